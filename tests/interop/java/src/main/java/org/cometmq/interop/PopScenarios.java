package org.cometmq.interop;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;

/**
 * POP consumption (RocketMQ 5 remoting clients): the group is set to POP on the broker
 * (mqadmin setConsumeMode), push consumers with {@code clientRebalance=false} ask the broker
 * for their queues (QUERY_ASSIGNMENT) and pop, ack, and change the invisible time of a
 * message they fail. 4.x clients have no POP: the scenario is listed for 5.x only.
 */
final class PopScenarios {
    private PopScenarios() {
    }

    private static Class<?> modeClass() {
        try {
            return Class.forName("org.apache.rocketmq.common.message.MessageRequestMode");
        } catch (ClassNotFoundException e) {
            return null;
        }
    }

    static boolean supported() {
        return modeClass() != null;
    }

    /**
     * Two POP consumers of one broker's queues (a pop takes up to 32 messages, so one of
     * them may well get all): every message arrives, a failed one comes back retried.
     */
    static void popConsumption(Env env) throws Exception {
        String topic = env.topic("pop", 0);
        String group = env.name("cg");
        Class<?> mode = modeClass();
        Check.that(mode != null, "this client has no POP");
        Object pop = mode.getMethod("valueOf", String.class).invoke(null, "POP");
        env.admin.getClass()
            .getMethod("setMessageRequestMode", String.class, String.class, String.class, mode, int.class, long.class)
            .invoke(env.admin, env.cluster.brokerAddr(0), topic, group, pop, 0, 5000L);
        Set<String> failedOnce = ConcurrentHashMap.newKeySet();
        List<MessageExt> retried = new ArrayList<>();
        Sink a = new Sink(m -> answer(m, failedOnce, retried));
        Sink b = new Sink(m -> answer(m, failedOnce, retried));
        for (Sink s : new Sink[] {a, b}) {
            DefaultMQPushConsumer c = new DefaultMQPushConsumer(group);
            c.setNamesrvAddr(env.cluster.namesrvAddr());
            c.setInstanceName(env.name("inst"));
            DefaultMQPushConsumer.class.getMethod("setClientRebalance", boolean.class).invoke(c, false);
            c.subscribe(topic, "*");
            c.setMessageListener(s);
            c.start();
            env.onCleanup(c::shutdown);
        }
        DefaultMQProducer p = env.producer("pg");
        List<Message> sent = SendScenarios.messages(topic, "pop", 32);
        for (Message m : sent) {
            SendScenarios.checkResult(p.send(m));
        }
        long deadline = System.currentTimeMillis() + 90_000;
        while (System.currentTimeMillis() < deadline) {
            Set<String> bodies = Env.bodies(a.all());
            bodies.addAll(Env.bodies(b.all()));
            boolean retriedBack;
            synchronized (retried) {
                retriedBack = !retried.isEmpty();
            }
            if (bodies.size() == sent.size() && retriedBack) {
                break;
            }
            Thread.sleep(200);
        }
        List<MessageExt> got = new ArrayList<>(a.all());
        got.addAll(b.all());
        Set<String> bodies = Env.bodies(got);
        Check.that(bodies.equals(Env.bodies(sent)), "POP: got " + bodies.size() + " of " + sent.size() + " messages");
        synchronized (retried) {
            Check.that(!retried.isEmpty(), "POP: the failed message never came back");
            Check.that(retried.get(0).getReconsumeTimes() >= 1, "POP: redelivery not counted");
        }
    }

    /** Fails the first delivery of the first message body ending in "-0"; records its return. */
    private static ConsumeConcurrentlyStatus answer(MessageExt m, Set<String> failedOnce, List<MessageExt> retried) {
        String body = Check.body(m);
        if (!body.endsWith("-0")) {
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        }
        if (failedOnce.add(body)) {
            return ConsumeConcurrentlyStatus.RECONSUME_LATER;
        }
        synchronized (retried) {
            retried.add(m);
        }
        return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
    }
}
