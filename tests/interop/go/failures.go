// Restarts and lost servers; these run last.

package main

import (
	"fmt"
	"time"

	"github.com/apache/rocketmq-client-go/v2/primitive"
)

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
