// RocketMQ 4.x/5.x message features: SQL92 selectors.

package main

import (
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
