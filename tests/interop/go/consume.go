// Consumers: orderly, clustering, broadcasting and the pull consumer.

package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
)

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
