package org.cometmq.interop;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.rocketmq.client.consumer.DefaultLitePullConsumer;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeOrderlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerOrderly;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;

/** Consumers of every kind. */
final class ConsumeScenarios {
    private ConsumeScenarios() {
    }

    /**
     * Ordered messages: a selector puts each order id on one queue; orderly consumers (a
     * second one joins half-way, the first leaves near the end) see every order's steps in
     * sequence.
     */
    static void ordered(Env env) throws Exception {
        String topic = env.topic("ordered");
        DefaultMQProducer p = env.producer("pg");
        int orders = 8;
        int steps = 20;
        Map<Integer, List<Integer>> seen = new HashMap<>();
        List<MessageExt> all = new ArrayList<>();
        MessageListenerOrderly listener = (msgs, ctx) -> {
            synchronized (seen) {
                for (MessageExt m : msgs) {
                    String[] parts = Check.body(m).split("-");
                    seen.computeIfAbsent(Integer.parseInt(parts[1]), k -> new ArrayList<>()).add(Integer.parseInt(parts[3]));
                    all.add(m);
                }
                seen.notifyAll();
            }
            return ConsumeOrderlyStatus.SUCCESS;
        };
        String group = env.name("cg");
        DefaultMQPushConsumer first = env.pushConsumer(group, topic, "*", false, listener);
        List<Message> sent = new ArrayList<>();
        for (int step = 0; step < steps; step++) {
            if (step == steps / 2) {
                env.pushConsumer(group, topic, "*", false, listener);
            }
            if (step == steps * 3 / 4) {
                first.shutdown();
            }
            for (int order = 0; order < orders; order++) {
                Message m = Env.msg(topic, "Order", "order-" + order, "order-" + order + "-step-" + step);
                SendResult r = p.send(m, (mqs, msg, arg) -> mqs.get((Integer) arg % mqs.size()), order);
                Check.that(r.getMessageQueue().getQueueId() >= 0, "selector send");
                sent.add(m);
            }
        }
        long deadline = System.currentTimeMillis() + 90_000;
        synchronized (seen) {
            while (distinct(all) < sent.size() && System.currentTimeMillis() < deadline) {
                seen.wait(500);
            }
        }
        synchronized (seen) {
            for (int order = 0; order < orders; order++) {
                List<Integer> got = seen.getOrDefault(order, List.of());
                // A queue that changes owner may be re-delivered from its last committed
                // offset (at-least-once), but never out of order: each step's first
                // delivery comes after the previous step's.
                List<Integer> firsts = new ArrayList<>();
                for (int s : got) {
                    if (!firsts.contains(s)) {
                        firsts.add(s);
                    }
                }
                for (int s = 0; s < steps; s++) {
                    Check.that(firsts.size() > s && firsts.get(s) == s, "order " + order + " consumed as " + got);
                }
            }
            Map<String, MessageExt> unique = new HashMap<>();
            for (MessageExt m : all) {
                unique.putIfAbsent(Check.body(m), m);
            }
            Check.sameMessages(sent, unique.values());
        }
    }

    private static int distinct(List<MessageExt> all) {
        return Env.bodies(all).size();
    }

    /** Clustering: two consumers of one group share the queues; each message once. */
    static void clustering(Env env) throws Exception {
        String topic = env.topic("clustering");
        String group = env.name("cg");
        Sink a = new Sink();
        Sink b = new Sink();
        env.pushConsumer(group, topic, "*", false, a);
        env.pushConsumer(group, topic, "*", false, b);
        // Both consumers must own their share before the sends, or the first could take
        // everything: wait until the broker lists both (the rebalance follows at once).
        long deadline = System.currentTimeMillis() + 30_000;
        while (env.admin.examineConsumerConnectionInfo(group).getConnectionSet().size() < 2) {
            Check.that(System.currentTimeMillis() < deadline, "the broker never listed both consumers");
            Thread.sleep(200);
        }
        Thread.sleep(3000);
        DefaultMQProducer p = env.producer("pg");
        List<Message> sent = SendScenarios.messages(topic, "clustering", 64);
        for (Message m : sent) {
            SendScenarios.checkResult(p.send(m));
        }
        deadline = System.currentTimeMillis() + 60_000;
        while (a.all().size() + b.all().size() < sent.size() && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }
        List<MessageExt> got = new ArrayList<>(a.all());
        got.addAll(b.all());
        Check.sameMessages(sent, got);
        Check.that(!a.all().isEmpty() && !b.all().isEmpty(), "clustering: one consumer got everything (" + a.all().size() + "/" + b.all().size() + ")");
        Set<String> onA = Env.bodies(a.all());
        for (MessageExt m : b.all()) {
            Check.that(!onA.contains(Check.body(m)), "both consumers got " + Check.body(m));
        }
    }

    /** Broadcasting: every consumer of the group gets every message. */
    static void broadcasting(Env env) throws Exception {
        String topic = env.topic("broadcast");
        String group = env.name("cg");
        Sink a = new Sink();
        Sink b = new Sink();
        env.pushConsumer(group, topic, "*", true, a);
        env.pushConsumer(group, topic, "*", true, b);
        DefaultMQProducer p = env.producer("pg");
        List<Message> sent = SendScenarios.messages(topic, "broadcast", 24);
        for (Message m : sent) {
            SendScenarios.checkResult(p.send(m));
        }
        Check.sameMessages(sent, a.await(sent.size(), 60));
        Check.sameMessages(sent, b.await(sent.size(), 60));
    }

    private static List<MessageExt> pollUntil(DefaultLitePullConsumer c, int n) {
        List<MessageExt> got = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 60_000;
        while (got.size() < n && System.currentTimeMillis() < deadline) {
            got.addAll(c.poll(1000));
        }
        return got;
    }

    /** DefaultLitePullConsumer, subscribe mode: offsets committed to the broker. */
    static void litePullSubscribe(Env env) throws Exception {
        String topic = env.topic("litesub");
        DefaultMQProducer p = env.producer("pg");
        List<Message> sent = SendScenarios.messages(topic, "litesub", 20);
        for (Message m : sent) {
            SendScenarios.checkResult(p.send(m));
        }
        String group = env.name("cg");
        DefaultLitePullConsumer c = new DefaultLitePullConsumer(group);
        c.setNamesrvAddr(env.cluster.namesrvAddr());
        c.setInstanceName(env.name("inst"));
        c.setConsumeFromWhere(org.apache.rocketmq.common.consumer.ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        c.subscribe(topic, "Tag0 || Tag1 || Tag2");
        c.setAutoCommit(true);
        c.start();
        env.onCleanup(c::shutdown);
        List<MessageExt> got = pollUntil(c, sent.size());
        Check.sameMessages(sent, got);
        Check.queueOrder(got);
        // The committed offsets reach the broker: the group's consume stats show no lag.
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            c.commitSync();
            var stats = env.admin.examineConsumeStats(group);
            long lag = stats.computeTotalDiff();
            if (lag == 0) {
                break;
            }
            Check.that(System.currentTimeMillis() < deadline, "lite pull offsets never committed; lag " + lag);
            Thread.sleep(500);
        }
    }

    /** DefaultLitePullConsumer, assign mode: chosen queues, seek, no group offsets needed. */
    static void litePullAssign(Env env) throws Exception {
        String topic = env.topic("liteassign");
        DefaultMQProducer p = env.producer("pg");
        List<Message> sent = SendScenarios.messages(topic, "liteassign", 20);
        for (Message m : sent) {
            SendScenarios.checkResult(p.send(m));
        }
        DefaultLitePullConsumer c = new DefaultLitePullConsumer(env.name("cg"));
        c.setNamesrvAddr(env.cluster.namesrvAddr());
        c.setInstanceName(env.name("inst"));
        c.setAutoCommit(false);
        c.start();
        env.onCleanup(c::shutdown);
        Collection<MessageQueue> mqs = c.fetchMessageQueues(topic);
        Check.equal(8, mqs.size(), "queues of " + topic);
        c.assign(mqs);
        for (MessageQueue mq : mqs) {
            c.seek(mq, 0);
        }
        List<MessageExt> got = pollUntil(c, sent.size());
        Check.sameMessages(sent, got);
        Check.queueOrder(got);
        // Seek back on one non-empty queue: the same messages again, from its first one.
        MessageExt first = got.get(0);
        MessageQueue mq = new MessageQueue(topic, first.getBrokerName(), first.getQueueId());
        c.seek(mq, 0);
        List<MessageExt> again = pollUntil(c, 1);
        Check.that(!again.isEmpty(), "nothing after seek");
        Check.equal(0L, again.get(0).getQueueOffset(), "offset after seek to 0");
    }
}
