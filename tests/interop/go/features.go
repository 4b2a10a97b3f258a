// RocketMQ 4.x/5.x message features: SQL92 selectors.

package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
)

// sql92 subscribes with consumer.MessageSelector{Type: consumer.SQL92}: exactly the
// messages whose properties match arrive.
func sql92(e *env) error {
	topic, err := e.topic("sql")
	if err != nil {
		return err
	}
	p, err := e.producer()
	if err != nil {
		return err
	}
	var wanted []*primitive.Message
	for i := 0; i < 40; i++ {
		tag := "x"
		if i%2 == 1 {
			tag = "y"
		}
		m := msg(topic, tag, "sql-key-"+strconv.Itoa(i), "sql-body-"+strconv.Itoa(i))
		m.WithProperty("a", strconv.Itoa(i))
		if i%5 == 0 {
			m.WithProperty("color", "red")
		}
		if err := checkResult(p.SendSync(ctx, m)); err != nil {
			return err
		}
		if i >= 10 && i < 20 && (tag == "x" || i%5 == 0) {
			wanted = append(wanted, m)
		}
	}
	c, err := rocketmq.NewPushConsumer(consumer.WithNsResolver(e.ns()), consumer.WithGroupName(e.name("cg")),
		consumer.WithInstance(e.name("inst")), consumer.WithConsumeFromWhere(consumer.ConsumeFromFirstOffset))
	if err != nil {
		return err
	}
	s := &sink{}
	sel := consumer.MessageSelector{Type: consumer.SQL92, Expression: "a >= 10 AND a < 20 AND (TAGS = 'x' OR color IN ('red'))"}
	if err := c.Subscribe(topic, sel, s.consume); err != nil {
		return err
	}
	if err := c.Start(); err != nil {
		return err
	}
	e.cleanup = append(e.cleanup, func() { _ = c.Shutdown() })
	s.await(len(wanted), 60*time.Second)
	time.Sleep(1500 * time.Millisecond)
	return sameMessages(wanted, s.all())
}

// requestReply sends with the producer's Request (RocketMQ 4.6+ RPC) to a Go push consumer
// that answers each request with consumer.CreateReplyMessage through a producer of its
// own: the broker pushes each reply (SEND_REPLY_MESSAGE → PUSH_REPLY_MESSAGE_TO_CLIENT) to
// the requester, which gets the reply's body back.
func requestReply(e *env) error {
	topic, err := e.topic("rpc")
	if err != nil {
		return err
	}
	replier, err := e.producer()
	if err != nil {
		return err
	}
	c, err := rocketmq.NewPushConsumer(consumer.WithNsResolver(e.ns()), consumer.WithGroupName(e.name("cg")),
		consumer.WithInstance(e.name("inst")), consumer.WithConsumeFromWhere(consumer.ConsumeFromFirstOffset))
	if err != nil {
		return err
	}
	answer := func(_ context.Context, msgs ...*primitive.MessageExt) (consumer.ConsumeResult, error) {
		for _, m := range msgs {
			reply, err := consumer.CreateReplyMessage(m, nil)
			if err != nil {
				return consumer.ConsumeRetryLater, err
			}
			// The Go client's CreateReplyMessage parses its body argument as properties
			// and leaves the reply's body empty: set it here.
			reply.Body = append([]byte("re:"), m.Body...)
			if _, err := replier.SendSync(ctx, reply); err != nil {
				return consumer.ConsumeRetryLater, err
			}
		}
		return consumer.ConsumeSuccess, nil
	}
	if err := c.Subscribe(topic, consumer.MessageSelector{}, answer); err != nil {
		return err
	}
	if err := c.Start(); err != nil {
		return err
	}
	e.cleanup = append(e.cleanup, func() { _ = c.Shutdown() })
	requester, err := e.producer()
	if err != nil {
		return err
	}
	for i := 0; i < 3; i++ {
		body := "rpc-" + strconv.Itoa(i)
		var reply *primitive.Message
		// The first request may go out before the broker has the requester's heartbeat
		// (the Go client registers producers lazily): its reply then has nowhere to go.
		deadline := time.Now().Add(60 * time.Second)
		for {
			reply, err = requester.Request(ctx, 10*time.Second, msg(topic, "", "", body))
			if err == nil || time.Now().After(deadline) {
				break
			}
		}
		if err != nil {
			return fmt.Errorf("request %d: %w", i, err)
		}
		if string(reply.Body) != "re:"+body {
			return fmt.Errorf("request %d: reply %q, want %q", i, reply.Body, "re:"+body)
		}
	}
	return nil
}
