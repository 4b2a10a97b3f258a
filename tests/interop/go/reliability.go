// Retry, delay levels and transactions.

package main

import (
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

// timerProperties sends RocketMQ 5 timer messages by their properties (the Go client has
// no setter for them): TIMER_DELIVER_MS, TIMER_DELAY_SEC and TIMER_DELAY_MS. Each arrives
// once, stored in its own topic again no earlier than its time, with TIMER_OUT_MS set.
func timerProperties(e *env) error {
	topic, err := e.topic("timer")
	if err != nil {
		return err
	}
	p, err := e.producer()
	if err != nil {
		return err
	}
	now := time.Now().UnixMilli()
	props := [][2]string{
		{"TIMER_DELIVER_MS", strconv.FormatInt(now+3000, 10)},
		{"TIMER_DELAY_SEC", "3"},
		{"TIMER_DELAY_MS", "3000"},
	}
	var sent []*primitive.Message
	for i, kv := range props {
		m := msg(topic, "Timer", fmt.Sprintf("timer-key-%d", i), "timer-"+kv[0])
		m.WithProperty(kv[0], kv[1])
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
		// Timers are rounded to timerPrecisionMs (1 s) and never delivered early.
		if d := m.StoreTimestamp - m.BornTimestamp; d < 2000 {
			return fmt.Errorf("%s stored after %d ms", m.Body, d)
		}
		if m.GetProperty("TIMER_OUT_MS") == "" || m.Topic != topic {
			return fmt.Errorf("%s properties: %v", m.Body, m.GetProperties())
		}
	}
	return nil
}
