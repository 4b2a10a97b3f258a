package org.cometmq.interop;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.MessageSelector;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.utils.MessageUtil;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;

/** RocketMQ 4.6+/5.x message features: SQL92 selectors, request/reply, compression types. */
final class FeatureScenarios {
    private FeatureScenarios() {
    }

    private static DefaultMQPushConsumer consumer(Env env, String topic, MessageSelector selector,
            MessageListenerConcurrently listener) throws Exception {
        DefaultMQPushConsumer c = new DefaultMQPushConsumer(env.name("cg"));
        c.setNamesrvAddr(env.cluster.namesrvAddr());
        c.setInstanceName(env.name("inst"));
        c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        c.subscribe(topic, selector);
        c.setMessageListener(listener);
        env.onCleanup(c::shutdown);
        return c;
    }

    /** MessageSelector.bySql: exactly the messages whose properties match; bad SQL refused at start. */
    static void sql92(Env env) throws Exception {
        String topic = env.topic("sql");
        DefaultMQProducer p = env.producer("pg");
        List<Message> wanted = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String tag = i % 2 == 0 ? "x" : "y";
            Message m = Env.msg(topic, tag, "sql-key-" + i, "sql-body-" + i);
            m.putUserProperty("a", Integer.toString(i));
            if (i % 5 == 0) {
                m.putUserProperty("color", "red");
            }
            p.send(m);
            if (i >= 10 && i < 20 && (tag.equals("x") || i % 5 == 0)) {
                wanted.add(m);
            }
        }
        Sink sink = new Sink();
        String sql = "a >= 10 AND a < 20 AND (TAGS = 'x' OR color IN ('red'))";
        consumer(env, topic, MessageSelector.bySql(sql), sink).start();
        sink.await(wanted.size(), 60);
        // Let any wrongly delivered message show up too.
        Thread.sleep(1500);
        Check.sameMessages(wanted, sink.all());

        DefaultMQPushConsumer bad = consumer(env, topic, MessageSelector.bySql("a BETWEEN 10 AND"), new Sink());
        try {
            bad.start();
            throw new AssertionError("a consumer with a malformed SQL92 selector started");
        } catch (org.apache.rocketmq.client.exception.MQClientException expected) {
            Check.that(String.valueOf(expected.getMessage()).contains("Invalid MessageSelector")
                    || String.valueOf(expected.getCause()).contains("Invalid MessageSelector"),
                    "refusal names the selector: " + expected);
        }
    }

    /** DefaultMQProducer.request, answered by a consumer with MessageUtil.createReplyMessage. */
    static void requestReply(Env env) throws Exception {
        String topic = env.topic("req");
        DefaultMQProducer replier = env.producer("reply-pg");
        MessageListenerConcurrently answer = (msgs, ctx) -> {
            for (MessageExt m : msgs) {
                try {
                    byte[] body = ("re:" + new String(m.getBody(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
                    replier.send(MessageUtil.createReplyMessage(m, body));
                } catch (Exception e) {
                    return ConsumeConcurrentlyStatus.RECONSUME_LATER;
                }
            }
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        };
        consumer(env, topic, MessageSelector.byTag("*"), answer).start();
        DefaultMQProducer requester = env.producer("req-pg");
        for (int i = 0; i < 5; i++) {
            Message reply = requester.request(new Message(topic, ("q" + i).getBytes(StandardCharsets.UTF_8)), 30_000);
            Check.that(reply != null, "no reply to request " + i);
            Check.equal("re:q" + i, new String(reply.getBody(), StandardCharsets.UTF_8), "reply body");
        }
    }

    /** The compression type class when this client's producer can choose one (5.x). */
    private static Class<?> compressionType() {
        try {
            Class<?> type = Class.forName("org.apache.rocketmq.common.compression.CompressionType");
            DefaultMQProducer.class.getMethod("setCompressType", type);
            return type;
        } catch (ReflectiveOperationException before5) {
            return null;
        }
    }

    /** Whether {@link #compression} applies: 4.x producers compress with zlib only. */
    static boolean compressionSupported() {
        return compressionType() != null;
    }

    /** 5.x setCompressType(LZ4 / ZSTD / ZLIB): stored as sent, consumed back intact. */
    static void compression(Env env) throws Exception {
        Class<?> type = compressionType();
        Check.that(type != null, "this client cannot choose a compression type");
        String topic = env.topic("zip");
        List<Message> sent = new ArrayList<>();
        for (String name : new String[] {"LZ4", "ZSTD", "ZLIB"}) {
            DefaultMQProducer p = env.producer("zip-" + name);
            Object t = type.getMethod("of", String.class).invoke(null, name);
            DefaultMQProducer.class.getMethod("setCompressType", type).invoke(p, t);
            StringBuilder body = new StringBuilder();
            while (body.length() < 10_000) {
                body.append(name).append(" compressed body ").append(body.length()).append('\n');
            }
            Message m = Env.msg(topic, name, "zip-" + name, body.toString());
            p.send(m);
            sent.add(m);
        }
        Sink sink = new Sink();
        consumer(env, topic, MessageSelector.byTag("*"), sink).start();
        sink.await(sent.size(), 60);
        List<MessageExt> got = sink.all();
        Check.sameMessages(sent, got);
        Map<String, Integer> flags = new HashMap<>();
        for (MessageExt m : got) {
            flags.put(m.getTags(), m.getSysFlag());
        }
        Check.equal(1, (flags.get("LZ4") >> 8) & 7, "LZ4 type bits as stored");
        Check.equal(2, (flags.get("ZSTD") >> 8) & 7, "ZSTD type bits as stored");
    }
}
