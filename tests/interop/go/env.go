package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/admin"
	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
)

// env is what the scenarios share: the cluster, an admin client, unique names, and the
// clients a scenario made (shut down after it).
type env struct {
	c       *cluster
	admin   admin.Admin
	run     string
	seq     int64
	cleanup []func()
}

// name is unique in this run and across runs (a broadcasting consumer keeps offsets in a
// local file named after its client id and group).
func (e *env) name(prefix string) string {
	return fmt.Sprintf("%s_%s_%d", prefix, e.run, atomic.AddInt64(&e.seq, 1))
}

func (e *env) ns() primitive.NsResolver {
	return primitive.NewPassthroughResolver(e.c.namesrvAddrs())
}

// topic creates a topic with 4 queues on the given brokers (both by default) and waits
// until its route lists them.
func (e *env) topic(prefix string, brokers ...int) (string, error) {
	topic := e.name(prefix)
	if len(brokers) == 0 {
		brokers = []int{0, 1}
	}
	for _, b := range brokers {
		err := e.admin.CreateTopic(context.Background(), admin.WithTopicCreate(topic),
			admin.WithBrokerAddrCreate(e.c.brokerAddr(b)), admin.WithReadQueueNums(4), admin.WithWriteQueueNums(4))
		if err != nil {
			return "", fmt.Errorf("create topic %s: %w", topic, err)
		}
	}
	// The Go admin caches the first route it fetched: ask through a fresh one each time.
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		fresh, err := admin.NewAdmin(admin.WithResolver(e.ns()))
		if err != nil {
			return "", err
		}
		mqs, err := fresh.FetchPublishMessageQueues(context.Background(), topic)
		_ = fresh.Close()
		if err == nil && len(mqs) == 4*len(brokers) {
			return topic, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return "", fmt.Errorf("route of %s never appeared", topic)
}

func (e *env) producer(opts ...producer.Option) (rocketmq.Producer, error) {
	all := append([]producer.Option{producer.WithNsResolver(e.ns()), producer.WithGroupName(e.name("pg")),
		producer.WithInstanceName(e.name("inst")), producer.WithRetry(2),
		producer.WithSendMsgTimeout(10 * time.Second)}, opts...)
	p, err := rocketmq.NewProducer(all...)
	if err != nil {
		return nil, err
	}
	if err := p.Start(); err != nil {
		return nil, err
	}
	e.cleanup = append(e.cleanup, func() { _ = p.Shutdown() })
	return p, nil
}

// pushConsumer starts a consumer of topic (from the first offset) that hands every message
// to sink.
func (e *env) pushConsumer(group, topic, expr string, s *sink, opts ...consumer.Option) (rocketmq.PushConsumer, error) {
	all := append([]consumer.Option{consumer.WithNsResolver(e.ns()), consumer.WithGroupName(group),
		consumer.WithInstance(e.name("inst")), consumer.WithConsumeFromWhere(consumer.ConsumeFromFirstOffset)}, opts...)
	c, err := rocketmq.NewPushConsumer(all...)
	if err != nil {
		return nil, err
	}
	sel := consumer.MessageSelector{}
	if expr != "" && expr != "*" {
		sel = consumer.MessageSelector{Type: consumer.TAG, Expression: expr}
	}
	if err := c.Subscribe(topic, sel, s.consume); err != nil {
		return nil, err
	}
	if err := c.Start(); err != nil {
		return nil, err
	}
	e.cleanup = append(e.cleanup, func() { _ = c.Shutdown() })
	return c, nil
}

func (e *env) done() {
	for i := len(e.cleanup) - 1; i >= 0; i-- {
		e.cleanup[i]()
	}
	e.cleanup = nil
}

// sink records what a push consumer was given; answer decides the consume result.
type sink struct {
	mu     sync.Mutex
	got    []*primitive.MessageExt
	answer func(*primitive.MessageExt) consumer.ConsumeResult
}

func (s *sink) consume(_ context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
	result := consumer.ConsumeSuccess
	s.mu.Lock()
	s.got = append(s.got, msgs...)
	s.mu.Unlock()
	for _, m := range msgs {
		if s.answer != nil && s.answer(m) == consumer.ConsumeRetryLater {
			result = consumer.ConsumeRetryLater
		}
	}
	return result, nil
}

func (s *sink) all() []*primitive.MessageExt {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*primitive.MessageExt(nil), s.got...)
}

// await waits until n messages arrived or the time is up.
func (s *sink) await(n int, limit time.Duration) []*primitive.MessageExt {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) && len(s.all()) < n {
		time.Sleep(50 * time.Millisecond)
	}
	return s.all()
}

// msg builds a message with tags, keys, a body and two user properties.
func msg(topic, tags, keys, body string) *primitive.Message {
	m := primitive.NewMessage(topic, []byte(body)).WithTag(tags).WithKeys([]string{keys})
	m.WithProperty("p1", fmt.Sprintf("v1-%d", len(body)))
	m.WithProperty("p2", "ünïcode ✓")
	return m
}

// sameMessages: every sent message arrived exactly once with its topic, tags, keys, body
// and user properties.
func sameMessages(sent []*primitive.Message, got []*primitive.MessageExt) error {
	want := map[string]*primitive.Message{}
	for _, m := range sent {
		want[string(m.Body)] = m
	}
	seen := map[string]int{}
	for _, m := range got {
		w, ok := want[string(m.Body)]
		if !ok {
			return fmt.Errorf("unexpected message %q", abbreviate(string(m.Body)))
		}
		seen[string(m.Body)]++
		if err := sameMessage(w, m); err != nil {
			return err
		}
	}
	var missing []string
	for b := range want {
		if seen[b] == 0 {
			missing = append(missing, abbreviate(b))
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		return fmt.Errorf("%d of %d messages never arrived, e.g. %v", len(missing), len(sent), missing[:min(3, len(missing))])
	}
	for b, n := range seen {
		if n != 1 {
			return fmt.Errorf("message %q received %d times", abbreviate(b), n)
		}
	}
	return nil
}

func sameMessage(w *primitive.Message, m *primitive.MessageExt) error {
	b := abbreviate(string(w.Body))
	switch {
	case m.Topic != w.Topic:
		return fmt.Errorf("topic of %s: %q, want %q", b, m.Topic, w.Topic)
	case m.GetTags() != w.GetTags():
		return fmt.Errorf("tags of %s: %q, want %q", b, m.GetTags(), w.GetTags())
	case m.GetKeys() != w.GetKeys():
		return fmt.Errorf("keys of %s: %q, want %q", b, m.GetKeys(), w.GetKeys())
	case m.GetProperty("p1") != w.GetProperty("p1") || m.GetProperty("p2") != w.GetProperty("p2"):
		return fmt.Errorf("properties of %s: %v", b, m.GetProperties())
	case m.MsgId == "":
		return fmt.Errorf("no msgId on %s", b)
	}
	return nil
}

// storeOrder: per queue, consecutive offsets in send order.
func storeOrder(sent []*primitive.Message, got []*primitive.MessageExt) error {
	index := map[string]int{}
	for i, m := range sent {
		index[string(m.Body)] = i
	}
	byQueue := map[string][]*primitive.MessageExt{}
	for _, m := range got {
		q := fmt.Sprintf("%s/%d", m.Queue.BrokerName, m.Queue.QueueId)
		byQueue[q] = append(byQueue[q], m)
	}
	for q, ms := range byQueue {
		sort.Slice(ms, func(i, j int) bool { return ms[i].QueueOffset < ms[j].QueueOffset })
		for i := 1; i < len(ms); i++ {
			if ms[i].QueueOffset != ms[i-1].QueueOffset+1 || index[string(ms[i].Body)] < index[string(ms[i-1].Body)] {
				return fmt.Errorf("queue %s: %s at %d after %s at %d", q, ms[i].Body, ms[i].QueueOffset, ms[i-1].Body, ms[i-1].QueueOffset)
			}
		}
	}
	return nil
}

func abbreviate(s string) string {
	if len(s) > 40 {
		return fmt.Sprintf("%s…(%d chars)", s[:40], len(s))
	}
	return s
}

func messages(topic, prefix string, n int) []*primitive.Message {
	var out []*primitive.Message
	for i := 0; i < n; i++ {
		out = append(out, msg(topic, fmt.Sprintf("Tag%d", i%3), fmt.Sprintf("%s-key-%d", prefix, i), fmt.Sprintf("%s-body-%d", prefix, i)))
	}
	return out
}

func checkResult(r *primitive.SendResult, err error) error {
	if err != nil {
		return err
	}
	if r.Status != primitive.SendOK {
		return fmt.Errorf("send status %d", r.Status)
	}
	if r.MsgID == "" || len(r.OffsetMsgID) != 32 || strings.ToUpper(r.OffsetMsgID) != r.OffsetMsgID {
		return fmt.Errorf("send result ids: %q %q", r.MsgID, r.OffsetMsgID)
	}
	return nil
}
