package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
)

var ctx = context.Background()

// levelMs are the test brokers' delay levels (messageDelayLevel).
var levelMs = []int64{1000, 2000, 3000, 1000, 2000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000}

func delayLevelConf() string {
	var parts []string
	for _, ms := range levelMs {
		parts = append(parts, fmt.Sprintf("%ds", ms/1000))
	}
	return "messageDelayLevel=" + strings.Join(parts, " ")
}

type scenario struct {
	name string
	run  func(e *env) error
}

func scenarios() []scenario {
	return []scenario{
		{"send-sync", sendSync},
		{"send-async", sendAsync},
		{"send-oneway", sendOneway},
		{"send-batch", sendBatch},
		{"body-over-4KiB", bigBody},
		{"keys-tags-filter", tagFilter},
		{"ordered-selector-orderly", ordered},
		{"push-clustering", clustering},
		{"push-broadcasting", broadcasting},
		{"pull-consumer", pullConsumer},
		{"retry-reconsume-later", retry},
		{"delay-levels", delayLevels},
		{"transactions", transactions},
		{"offsets-across-restart", offsetsAcrossRestart},
		{"two-groups-one-stopped", oneGroupStopped},
		{"namesrv-lost", namesrvLost},
	}
}

// consumeAll consumes topic with a fresh group and compares with sent.
func consumeAll(e *env, topic string, sent []*primitive.Message, ordered bool) error {
	s := &sink{}
	if _, err := e.pushConsumer(e.name("cg"), topic, "*", s); err != nil {
		return err
	}
	got := s.await(len(sent), 60*time.Second)
	if err := sameMessages(sent, got); err != nil {
		return err
	}
	if ordered {
		return storeOrder(sent, got)
	}
	return nil
}

func sendEach(p rocketmq.Producer, sent []*primitive.Message) error {
	for _, m := range sent {
		if err := checkResult(p.SendSync(ctx, m)); err != nil {
			return err
		}
	}
	return nil
}

func sendSync(e *env) error {
	topic, err := e.topic("sync")
	if err != nil {
		return err
	}
	p, err := e.producer()
	if err != nil {
		return err
	}
	sent := messages(topic, "sync", 16)
	if err := sendEach(p, sent); err != nil {
		return err
	}
	return consumeAll(e, topic, sent, true)
}

func sendAsync(e *env) error {
	topic, err := e.topic("async")
	if err != nil {
		return err
	}
	p, err := e.producer()
	if err != nil {
		return err
	}
	sent := messages(topic, "async", 16)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failure error
	for _, m := range sent {
		wg.Add(1)
		err := p.SendAsync(ctx, func(_ context.Context, r *primitive.SendResult, err error) {
			defer wg.Done()
			if err := checkResult(r, err); err != nil {
				mu.Lock()
				failure = err
				mu.Unlock()
			}
		}, m)
		if err != nil {
			return err
		}
	}
	wg.Wait()
	if failure != nil {
		return failure
	}
	return consumeAll(e, topic, sent, false)
}

func sendOneway(e *env) error {
	topic, err := e.topic("oneway")
	if err != nil {
		return err
	}
	p, err := e.producer()
	if err != nil {
		return err
	}
	sent := messages(topic, "oneway", 16)
	for _, m := range sent {
		if err := p.SendOneWay(ctx, m); err != nil {
			return err
		}
	}
	return consumeAll(e, topic, sent, true)
}

func sendBatch(e *env) error {
	topic, err := e.topic("batch")
	if err != nil {
		return err
	}
	p, err := e.producer()
	if err != nil {
		return err
	}
	sent := messages(topic, "batch", 32)
	r, err := p.SendSync(ctx, sent...)
	if err != nil {
		return err
	}
	// The Go client reports no uniq ids for a batch (it reads them from the batch
	// wrapper, which has none); the broker's offset ids are one per message.
	if r.Status != primitive.SendOK {
		return fmt.Errorf("batch send status %d", r.Status)
	}
	if ids := strings.Split(r.OffsetMsgID, ","); len(ids) != 32 || len(ids[31]) != 32 {
		return fmt.Errorf("batch result has offset ids %q", r.OffsetMsgID)
	}
	return consumeAll(e, topic, sent, true)
}

func bigBody(e *env) error {
	topic, err := e.topic("big")
	if err != nil {
		return err
	}
	p, err := e.producer()
	if err != nil {
		return err
	}
	var sent []*primitive.Message
	for i := 0; i < 6; i++ {
		var b strings.Builder
		b.WriteString(fmt.Sprintf("big-%d-", i))
		for b.Len() < 4097+i*20000 {
			if i%2 == 0 {
				b.WriteString("compressible text ")
			} else {
				b.WriteString(strconv.FormatInt(time.Now().UnixNano()*int64(b.Len()+7), 36))
			}
		}
		sent = append(sent, msg(topic, "Big", fmt.Sprintf("big-key-%d", i), b.String()))
	}
	if err := sendEach(p, sent); err != nil {
		return err
	}
	return consumeAll(e, topic, sent, true)
}

func tagFilter(e *env) error {
	topic, err := e.topic("tags")
	if err != nil {
		return err
	}
	p, err := e.producer()
	if err != nil {
		return err
	}
	all := messages(topic, "tags", 30)
	var wanted []*primitive.Message
	for _, m := range all {
		m.WithKeys([]string{m.GetKeys(), "shared-" + m.GetTags()})
		if err := checkResult(p.SendSync(ctx, m)); err != nil {
			return err
		}
		if m.GetTags() != "Tag1" {
			wanted = append(wanted, m)
		}
	}
	s := &sink{}
	if _, err := e.pushConsumer(e.name("cg"), topic, "Tag0 || Tag2", s); err != nil {
		return err
	}
	s.await(len(wanted), 60*time.Second)
	time.Sleep(1500 * time.Millisecond)
	return sameMessages(wanted, s.all())
}

// ordered: a hash selector keeps each order on one queue; an orderly consumer sees each
// order's steps in sequence.
func ordered(e *env) error {
	topic, err := e.topic("ordered")
	if err != nil {
		return err
	}
	p, err := e.producer(producer.WithQueueSelector(producer.NewHashQueueSelector()))
	if err != nil {
		return err
	}
	s := &sink{}
	if _, err := e.pushConsumer(e.name("cg"), topic, "*", s, consumer.WithConsumerOrder(true)); err != nil {
		return err
	}
	const orders, steps = 8, 20
	var sent []*primitive.Message
	for step := 0; step < steps; step++ {
		for order := 0; order < orders; order++ {
			m := msg(topic, "Order", fmt.Sprintf("order-%d", order), fmt.Sprintf("order-%d-step-%d", order, step))
			m.WithShardingKey(fmt.Sprintf("order-%d", order))
			if err := checkResult(p.SendSync(ctx, m)); err != nil {
				return err
			}
			sent = append(sent, m)
		}
	}
	got := s.await(len(sent), 90*time.Second)
	if err := sameMessages(sent, got); err != nil {
		return err
	}
	last := map[string]int{}
	for _, m := range got {
		parts := strings.Split(string(m.Body), "-")
		step, _ := strconv.Atoi(parts[3])
		if prev, ok := last[parts[1]]; ok && step != prev+1 {
			return fmt.Errorf("order %s: step %d after %d", parts[1], step, prev)
		}
		last[parts[1]] = step
	}
	return nil
}

func clustering(e *env) error {
	topic, err := e.topic("clustering")
	if err != nil {
		return err
	}
	group := e.name("cg")
	a, b := &sink{}, &sink{}
	if _, err := e.pushConsumer(group, topic, "*", a); err != nil {
		return err
	}
	if _, err := e.pushConsumer(group, topic, "*", b); err != nil {
		return err
	}
	// Both must own their share before the sends.
	time.Sleep(5 * time.Second)
	p, err := e.producer()
	if err != nil {
		return err
	}
	sent := messages(topic, "clustering", 64)
	if err := sendEach(p, sent); err != nil {
		return err
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) && len(a.all())+len(b.all()) < len(sent) {
		time.Sleep(100 * time.Millisecond)
	}
	if err := sameMessages(sent, append(a.all(), b.all()...)); err != nil {
		return err
	}
	if len(a.all()) == 0 || len(b.all()) == 0 {
		return fmt.Errorf("one consumer got everything (%d/%d)", len(a.all()), len(b.all()))
	}
	return nil
}

func broadcasting(e *env) error {
	topic, err := e.topic("broadcast")
	if err != nil {
		return err
	}
	group := e.name("cg")
	a, b := &sink{}, &sink{}
	for _, s := range []*sink{a, b} {
		if _, err := e.pushConsumer(group, topic, "*", s, consumer.WithConsumerModel(consumer.BroadCasting)); err != nil {
			return err
		}
	}
	p, err := e.producer()
	if err != nil {
		return err
	}
	sent := messages(topic, "broadcast", 24)
	if err := sendEach(p, sent); err != nil {
		return err
	}
	if err := sameMessages(sent, a.await(len(sent), 60*time.Second)); err != nil {
		return err
	}
	return sameMessages(sent, b.await(len(sent), 60*time.Second))
}

// pullConsumer: the Go pull consumer reads each queue from offset 0 with PullFrom.
func pullConsumer(e *env) error {
	topic, err := e.topic("pull")
	if err != nil {
		return err
	}
	p, err := e.producer()
	if err != nil {
		return err
	}
	sent := messages(topic, "pull", 20)
	if err := sendEach(p, sent); err != nil {
		return err
	}
	c, err := rocketmq.NewPullConsumer(consumer.WithNsResolver(e.ns()), consumer.WithGroupName(e.name("cg")),
		consumer.WithInstance(e.name("inst")))
	if err != nil {
		return err
	}
	mqs, err := e.admin.FetchPublishMessageQueues(ctx, topic)
	if err != nil {
		return err
	}
	// The Go pull consumer must be told its queues (or subscribe) before it starts.
	if err := c.Assign(topic, mqs); err != nil {
		return err
	}
	if err := c.Start(); err != nil {
		return err
	}
	e.cleanup = append(e.cleanup, func() { _ = c.Shutdown() })
	var got []*primitive.MessageExt
	for _, mq := range mqs {
		offset := int64(0)
		for {
			r, err := c.PullFrom(ctx, mq, offset, 32)
			if err != nil {
				return fmt.Errorf("pull %v at %d: %w", mq, offset, err)
			}
			if r.Status != primitive.PullFound {
				break
			}
			for _, m := range r.GetMessageExts() {
				if m.QueueOffset != offset {
					return fmt.Errorf("queue %d: offset %d, expected %d", mq.QueueId, m.QueueOffset, offset)
				}
				m.Queue = mq
				offset++
			}
			got = append(got, r.GetMessageExts()...)
			offset = r.NextBeginOffset
			// Stop at the queue's end: one more pull would be held (long polling).
			if offset >= r.MaxOffset {
				break
			}
		}
	}
	if err := sameMessages(sent, got); err != nil {
		return err
	}
	return storeOrder(sent, got)
}

// retry: RECONSUME_LATER brings the message back with growing reconsumeTimes, no
// sooner than its delay level, with its body, keys, tags and properties.
func retry(e *env) error {
	topic, err := e.topic("retry", 0)
	if err != nil {
		return err
	}
	s := &sink{answer: func(*primitive.MessageExt) consumer.ConsumeResult { return consumer.ConsumeRetryLater }}
	if _, err := e.pushConsumer(e.name("cg"), topic, "*", s, consumer.WithMaxReconsumeTimes(2)); err != nil {
		return err
	}
	p, err := e.producer()
	if err != nil {
		return err
	}
	sent := msg(topic, "Retry", "retry-key", "retry-body")
	if err := checkResult(p.SendSync(ctx, sent)); err != nil {
		return err
	}
	got := s.await(3, 90*time.Second)
	if len(got) < 3 {
		return fmt.Errorf("%d deliveries, want 3 (first + 2 retries)", len(got))
	}
	for i, m := range got[:3] {
		if err := sameMessage(sent, m); err != nil {
			return err
		}
		if int(m.ReconsumeTimes) != i {
			return fmt.Errorf("delivery %d has reconsumeTimes %d", i, m.ReconsumeTimes)
		}
	}
	if gap := got[1].StoreTimestamp - got[0].StoreTimestamp; gap < levelMs[2]-100 {
		return fmt.Errorf("first retry stored %d ms after the message; level 3 is %d", gap, levelMs[2])
	}
	time.Sleep(3 * time.Second)
	if n := len(s.all()); n != 3 {
		return fmt.Errorf("%d deliveries after maxReconsumeTimes 2 (the DLQ should have it)", n)
	}
	return nil
}

func delayLevels(e *env) error {
	topic, err := e.topic("delay")
	if err != nil {
		return err
	}
	p, err := e.producer()
	if err != nil {
		return err
	}
	var sent []*primitive.Message
	for level := 1; level <= 4; level++ {
		m := msg(topic, "Delay", fmt.Sprintf("delay-key-%d", level), fmt.Sprintf("delay-level-%d", level)).WithDelayTimeLevel(level)
		if err := checkResult(p.SendSync(ctx, m)); err != nil {
			return err
		}
		sent = append(sent, m)
	}
	s := &sink{}
	if _, err := e.pushConsumer(e.name("cg"), topic, "*", s); err != nil {
		return err
	}
	got := s.await(len(sent), 60*time.Second)
	if err := sameMessages(sent, got); err != nil {
		return err
	}
	for _, m := range got {
		level, _ := strconv.Atoi(strings.TrimPrefix(string(m.Body), "delay-level-"))
		if d := m.StoreTimestamp - m.BornTimestamp; d < levelMs[level-1]-100 {
			return fmt.Errorf("level %d stored after %d ms", level, d)
		}
		if m.GetProperty("DELAY") != "" || m.GetProperty("REAL_TOPIC") != topic {
			return fmt.Errorf("level %d properties: %v", level, m.GetProperties())
		}
	}
	return nil
}

type txListener struct {
	mu     sync.Mutex
	checks map[string]int
}

func (l *txListener) ExecuteLocalTransaction(m *primitive.Message) primitive.LocalTransactionState {
	switch m.GetKeys() {
	case "commit":
		return primitive.CommitMessageState
	case "rollback":
		return primitive.RollbackMessageState
	}
	return primitive.UnkonwnState
}

func (l *txListener) CheckLocalTransaction(m *primitive.MessageExt) primitive.LocalTransactionState {
	l.mu.Lock()
	l.checks[m.GetKeys()]++
	l.mu.Unlock()
	if m.GetKeys() == "unknown-commit" {
		return primitive.CommitMessageState
	}
	return primitive.RollbackMessageState
}

func (l *txListener) asked(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.checks[key] > 0
}

func transactions(e *env) error {
	topic, err := e.topic("txn")
	if err != nil {
		return err
	}
	l := &txListener{checks: map[string]int{}}
	p, err := rocketmq.NewTransactionProducer(l, producer.WithNsResolver(e.ns()), producer.WithGroupName(e.name("txpg")),
		producer.WithInstanceName(e.name("inst")), producer.WithRetry(2))
	if err != nil {
		return err
	}
	if err := p.Start(); err != nil {
		return err
	}
	e.cleanup = append(e.cleanup, func() { _ = p.Shutdown() })
	var expected []*primitive.Message
	for _, kind := range []string{"commit", "rollback", "unknown-commit", "unknown-rollback"} {
		m := msg(topic, "Txn", kind, "txn-"+kind)
		if _, err := p.SendMessageInTransaction(ctx, m); err != nil {
			return err
		}
		if strings.HasSuffix(kind, "commit") {
			expected = append(expected, m)
		}
	}
	s := &sink{}
	if _, err := e.pushConsumer(e.name("cg"), topic, "*", s); err != nil {
		return err
	}
	s.await(len(expected), 90*time.Second)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) && !l.asked("unknown-rollback") {
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond)
	if err := sameMessages(expected, s.all()); err != nil {
		return err
	}
	if !l.asked("unknown-commit") || !l.asked("unknown-rollback") || l.asked("commit") || l.asked("rollback") {
		return fmt.Errorf("check-backs asked about %v", l.checks)
	}
	return nil
}

func offsetsAcrossRestart(e *env) error {
	topic, err := e.topic("restart", 0)
	if err != nil {
		return err
	}
	group := e.name("cg")
	p, err := e.producer()
	if err != nil {
		return err
	}
	before := messages(topic, "before", 12)
	if err := sendEach(p, before); err != nil {
		return err
	}
	s := &sink{}
	c, err := e.pushConsumer(group, topic, "*", s)
	if err != nil {
		return err
	}
	if err := sameMessages(before, s.await(len(before), 60*time.Second)); err != nil {
		return err
	}
	// The Go client commits offsets every 5 s; give it two rounds, then shut down.
	time.Sleep(11 * time.Second)
	_ = c.Shutdown()
	e.c.brokers[0].stop()
	if err := e.c.brokers[0].start(); err != nil {
		return err
	}
	after := messages(topic, "after", 12)
	deadline := time.Now().Add(30 * time.Second)
	for _, m := range after {
		for {
			err := checkResult(p.SendSync(ctx, m))
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("no send after the restart: %w", err)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	again := &sink{}
	if _, err := e.pushConsumer(group, topic, "*", again); err != nil {
		return err
	}
	again.await(len(after), 60*time.Second)
	time.Sleep(1500 * time.Millisecond)
	return sameMessages(after, again.all())
}

func oneGroupStopped(e *env) error {
	topic, err := e.topic("twogroups")
	if err != nil {
		return err
	}
	p, err := e.producer()
	if err != nil {
		return err
	}
	sent := messages(topic, "two", 10)
	if err := sendEach(p, sent); err != nil {
		return err
	}
	e.c.brokers[1].stop()
	for i := 10; i < 30; i++ {
		m := msg(topic, "Two", fmt.Sprintf("two-key-%d", i), fmt.Sprintf("two-body-%d", i))
		r, err := p.SendSync(ctx, m)
		if err := checkResult(r, err); err != nil {
			return fmt.Errorf("send %d after broker-b stopped: %w", i, err)
		}
		if r.MessageQueue.BrokerName != "broker-a" {
			return fmt.Errorf("send %d went to %s", i, r.MessageQueue.BrokerName)
		}
		sent = append(sent, m)
	}
	if err := e.c.brokers[1].start(); err != nil {
		return err
	}
	s := &sink{}
	if _, err := e.pushConsumer(e.name("cg"), topic, "*", s); err != nil {
		return err
	}
	return sameMessages(sent, s.await(len(sent), 90*time.Second))
}

func namesrvLost(e *env) error {
	topic, err := e.topic("nslost")
	if err != nil {
		return err
	}
	p, err := e.producer()
	if err != nil {
		return err
	}
	var sent []*primitive.Message
	for i := 0; i < 40; i++ {
		if i == 10 {
			e.c.namesrvs[0].stop()
		}
		m := msg(topic, "Ns", fmt.Sprintf("ns-key-%d", i), fmt.Sprintf("ns-body-%d", i))
		if err := checkResult(p.SendSync(ctx, m)); err != nil {
			return fmt.Errorf("send %d: %w", i, err)
		}
		sent = append(sent, m)
		time.Sleep(50 * time.Millisecond)
	}
	s := &sink{}
	if _, err := e.pushConsumer(e.name("cg"), topic, "*", s); err != nil {
		return err
	}
	return sameMessages(sent, s.await(len(sent), 90*time.Second))
}
