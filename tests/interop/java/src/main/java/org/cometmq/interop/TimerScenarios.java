package org.cometmq.interop;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import org.apache.rocketmq.client.exception.MQBrokerException;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;

/** RocketMQ 5 timer messages (RIP-43): setDeliverTimeMs / setDelayTimeMs / setDelayTimeSec. */
final class TimerScenarios {
    private TimerScenarios() {
    }

    private static Method method(String name) {
        try {
            return Message.class.getMethod(name, long.class);
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    /** Whether this client has the 5.x timer setters (4.9.x has none). */
    static boolean supported() {
        return method("setDeliverTimeMs") != null;
    }

    /**
     * Timer messages by each setter are consumed from their topic, none before its time
     * (store time of the delivered copy vs the time asked); one beyond timerMaxDelaySec is
     * refused with MESSAGE_ILLEGAL (13).
     */
    static void deliverTime(Env env) throws Exception {
        String topic = env.topic("timer");
        DefaultMQProducer p = env.producer("pg");
        List<Message> sent = new ArrayList<>();
        long now = System.currentTimeMillis();
        Object[][] plan = {
            {"setDeliverTimeMs", now + 3000, now + 3000},
            {"setDelayTimeMs", 2500L, now + 2500},
            {"setDelayTimeSec", 2L, now + 2000},
        };
        java.util.Map<String, Long> due = new java.util.HashMap<>();
        for (Object[] step : plan) {
            String setter = (String) step[0];
            Message m = Env.msg(topic, "Timer", "timer-key-" + setter, "timer-" + setter);
            method(setter).invoke(m, step[1]);
            SendScenarios.checkResult(p.send(m));
            sent.add(m);
            due.put("timer-" + setter, (Long) step[2]);
        }
        Sink sink = new Sink();
        env.pushConsumer(env.name("cg"), topic, "*", false, sink);
        List<MessageExt> got = sink.await(sent.size(), 60);
        Check.sameMessages(sent, got);
        for (MessageExt m : got) {
            long at = due.get(Check.body(m));
            Check.that(m.getStoreTimestamp() >= at,
                    Check.body(m) + " stored " + (at - m.getStoreTimestamp()) + " ms before its time");
            Check.equal(topic, m.getTopic(), "topic of " + Check.body(m));
            Check.that(m.getProperty("TIMER_OUT_MS") != null, "TIMER_OUT_MS on " + Check.body(m));
        }

        Message far = Env.msg(topic, "Timer", "timer-far", "timer-far");
        method("setDeliverTimeMs").invoke(far, now + 4L * 24 * 3600 * 1000);
        try {
            p.send(far);
            throw new AssertionError("a timer 4 days ahead was accepted");
        } catch (MQBrokerException expected) {
            Check.equal(13, expected.getResponseCode(), "code of a timer beyond timerMaxDelaySec");
        }
    }
}
