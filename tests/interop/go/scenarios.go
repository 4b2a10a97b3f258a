// The scenario list, shared helpers and the send scenarios.

package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/primitive"
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
		{"sql92-selector", sql92},
		{"request-reply", requestReply},
		{"ordered-selector-orderly", ordered},
		{"push-clustering", clustering},
		{"push-broadcasting", broadcasting},
		{"pull-consumer", pullConsumer},
		{"retry-reconsume-later", retry},
		{"delay-levels", delayLevels},
		{"timer-properties", timerProperties},
		{"transactions", transactions},
		{"acl-signed-clients", aclSignedClients},
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
