package org.cometmq.interop;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.MessageListener;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.TopicConfig;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;

/**
 * What the scenarios share: the cluster, an admin client, and factories for producers,
 * consumers and topics that clean up after each scenario.
 */
final class Env {
    final Cluster cluster;
    final DefaultMQAdminExt admin;
    private final AtomicInteger seq = new AtomicInteger();
    private final List<Runnable> cleanup = new ArrayList<>();

    Env(Cluster cluster) throws Exception {
        this.cluster = cluster;
        admin = new DefaultMQAdminExt(5000);
        admin.setNamesrvAddr(cluster.namesrvAddr());
        admin.setInstanceName("interop-admin");
        admin.start();
    }

    /**
     * Tells this run's names from an earlier run's: a broadcasting consumer keeps its
     * offsets in a local file named after its client id and group, so a name reused with
     * a fresh broker would resume from the old run's offsets.
     */
    private final String run = Long.toString(System.currentTimeMillis() % 46_656L, 36);

    /** A name unique in this run and across runs. */
    String name(String prefix) {
        return prefix + "_" + run + "_" + seq.incrementAndGet();
    }

    /** Creates {@code topic} with 4 queues on the given brokers and waits for its route. */
    String topic(String prefix, int... brokers) throws Exception {
        String topic = name(prefix);
        int[] which = brokers.length == 0 ? new int[] {0, 1} : brokers;
        for (int b : which) {
            TopicConfig tc = new TopicConfig(topic, 4, 4, 6);
            admin.createAndUpdateTopicConfig(cluster.brokerAddr(b), tc);
        }
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            try {
                if (admin.examineTopicRouteInfo(topic).getBrokerDatas().size() == which.length) {
                    return topic;
                }
            } catch (Exception notYet) {
                // TOPIC_NOT_EXIST until the broker registered it
            }
            Check.that(System.currentTimeMillis() < deadline, "route of " + topic + " never appeared");
            Thread.sleep(100);
        }
    }

    DefaultMQProducer producer(String group) throws Exception {
        DefaultMQProducer p = new DefaultMQProducer(name(group));
        p.setNamesrvAddr(cluster.namesrvAddr());
        p.setInstanceName(name("inst"));
        p.setSendMsgTimeout(10_000);
        p.start();
        cleanup.add(p::shutdown);
        return p;
    }

    /** The consumers' route poll interval (ClientConfig.pollNameServerInterval). */
    int pollNameServerInterval = 30_000;

    DefaultMQPushConsumer pushConsumer(String group, String topic, String expr, boolean broadcasting, MessageListener listener) throws Exception {
        DefaultMQPushConsumer c = new DefaultMQPushConsumer(group);
        c.setNamesrvAddr(cluster.namesrvAddr());
        c.setInstanceName(name("inst"));
        c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        if (broadcasting) {
            broadcasting(c);
        }
        c.subscribe(topic, expr);
        c.setMessageListener(listener);
        c.setPollNameServerInterval(pollNameServerInterval);
        c.start();
        cleanup.add(c::shutdown);
        return c;
    }

    /**
     * MessageModel moved from {@code common.protocol.heartbeat} (4.x) to
     * {@code remoting.protocol.heartbeat} (5.x): set it without naming the class.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static void broadcasting(DefaultMQPushConsumer c) throws Exception {
        Class cls = c.getMessageModel().getClass();
        Object v = Enum.valueOf(cls, "BROADCASTING");
        DefaultMQPushConsumer.class.getMethod("setMessageModel", cls).invoke(c, v);
    }

    /** Registers something to shut down after the scenario. */
    void onCleanup(Runnable r) {
        cleanup.add(r);
    }

    /** Shuts down every client the scenario made, newest first. */
    void cleanup() {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            try {
                cleanup.get(i).run();
            } catch (RuntimeException ignored) {
                // a client that failed to start
            }
        }
        cleanup.clear();
    }

    static Message msg(String topic, String tags, String keys, String body) {
        Message m = new Message(topic, tags, keys, body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        m.putUserProperty("p1", "v1-" + body.length());
        m.putUserProperty("p2", "ünïcode ✓");
        return m;
    }

    static Set<String> bodies(List<? extends Message> ms) {
        Set<String> s = new java.util.HashSet<>();
        for (Message m : ms) {
            s.add(Check.body(m));
        }
        return s;
    }
}
