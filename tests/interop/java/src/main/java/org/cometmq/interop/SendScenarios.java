package org.cometmq.interop;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendCallback;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;

/** Sends of every kind, each consumed back and compared with what was sent. */
final class SendScenarios {
    private SendScenarios() {
    }

    static List<Message> messages(String topic, String prefix, int n) {
        List<Message> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(Env.msg(topic, "Tag" + (i % 3), prefix + "-key-" + i, prefix + "-body-" + i));
        }
        return out;
    }

    /** Consumes {@code topic} from the start with a fresh group; expects exactly {@code sent}. */
    static List<MessageExt> consumeAll(Env env, String topic, List<Message> sent, boolean ordered) throws Exception {
        Sink sink = new Sink();
        env.pushConsumer(env.name("cg"), topic, "*", false, sink);
        List<MessageExt> got = sink.await(sent.size(), 60);
        Check.sameMessages(sent, got);
        if (ordered) {
            Check.storeOrder(sent, got);
        }
        got.sort((a, b) -> Long.compare(a.getQueueOffset(), b.getQueueOffset()));
        return got;
    }

    static void checkResult(SendResult r) {
        Check.equal(SendStatus.SEND_OK, r.getSendStatus(), "send status");
        // The uniq id is made by the client: 32 hex digits from an IPv4 host, 56 from IPv6.
        Check.that(r.getMsgId() != null && r.getMsgId().matches("[0-9A-F]{32}|[0-9A-F]{56}"), "uniq msgId " + r.getMsgId());
        Check.that(r.getOffsetMsgId() != null && r.getOffsetMsgId().matches("[0-9A-F]{32}"), "offset msgId " + r.getOffsetMsgId());
        Check.that(r.getQueueOffset() >= 0, "queue offset " + r.getQueueOffset());
    }

    static void sync(Env env) throws Exception {
        String topic = env.topic("sync");
        DefaultMQProducer p = env.producer("pg");
        List<Message> sent = messages(topic, "sync", 16);
        for (Message m : sent) {
            checkResult(p.send(m));
        }
        consumeAll(env, topic, sent, true);
    }

    static void async(Env env) throws Exception {
        String topic = env.topic("async");
        DefaultMQProducer p = env.producer("pg");
        List<Message> sent = messages(topic, "async", 16);
        CountDownLatch done = new CountDownLatch(sent.size());
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (Message m : sent) {
            p.send(m, new SendCallback() {
                @Override
                public void onSuccess(SendResult r) {
                    try {
                        checkResult(r);
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                    done.countDown();
                }

                @Override
                public void onException(Throwable e) {
                    failure.compareAndSet(null, e);
                    done.countDown();
                }
            });
        }
        Check.that(done.await(60, TimeUnit.SECONDS), "async callbacks never all came");
        if (failure.get() != null) {
            throw new AssertionError("async send failed: " + failure.get(), failure.get());
        }
        consumeAll(env, topic, sent, false);
    }

    static void oneway(Env env) throws Exception {
        String topic = env.topic("oneway");
        DefaultMQProducer p = env.producer("pg");
        List<Message> sent = messages(topic, "oneway", 16);
        for (Message m : sent) {
            p.sendOneway(m);
        }
        consumeAll(env, topic, sent, true);
    }

    static void batch(Env env) throws Exception {
        String topic = env.topic("batch");
        DefaultMQProducer p = env.producer("pg");
        List<Message> sent = messages(topic, "batch", 32);
        SendResult r = p.send(sent);
        Check.equal(SendStatus.SEND_OK, r.getSendStatus(), "batch send status");
        Check.equal(32, r.getMsgId().split(",").length, "one uniq id per message in " + r.getMsgId());
        List<MessageExt> got = consumeAll(env, topic, sent, true);
        // A batch goes to one queue, in order, at consecutive offsets.
        for (int i = 1; i < got.size(); i++) {
            Check.equal(got.get(0).getQueueId(), got.get(i).getQueueId(), "queue of batch message " + i);
        }
        for (int i = 0; i < got.size(); i++) {
            Check.equal("batch-body-" + i, Check.body(got.get(i)), "batch order at " + i);
            Check.equal(r.getQueueOffset() + i, got.get(i).getQueueOffset(), "queue offset of batch message " + i);
        }
    }

    /** Bodies over 4 KiB, which the client zlib-compresses; one incompressible too. */
    static void bigBody(Env env) throws Exception {
        String topic = env.topic("big");
        DefaultMQProducer p = env.producer("pg");
        List<Message> sent = new ArrayList<>();
        java.util.Random rnd = new java.util.Random(42);
        for (int i = 0; i < 6; i++) {
            StringBuilder sb = new StringBuilder("big-" + i + "-");
            int size = 4097 + i * 20_000;
            while (sb.length() < size) {
                sb.append(i % 2 == 0 ? "compressible text " : Long.toHexString(rnd.nextLong()));
            }
            sent.add(Env.msg(topic, "Big", "big-key-" + i, sb.toString()));
        }
        for (Message m : sent) {
            checkResult(p.send(m));
        }
        consumeAll(env, topic, sent, true);
    }

    /** Keys and tags, consumed with a tag filter: only the subscribed tags arrive. */
    static void tagFilter(Env env) throws Exception {
        String topic = env.topic("tags");
        DefaultMQProducer p = env.producer("pg");
        List<Message> all = messages(topic, "tags", 30);
        List<Message> wanted = new ArrayList<>();
        for (Message m : all) {
            m.setKeys(List.of(m.getKeys(), "shared-" + m.getTags()));
            checkResult(p.send(m));
            if (!m.getTags().equals("Tag1")) {
                wanted.add(m);
            }
        }
        Sink sink = new Sink();
        env.pushConsumer(env.name("cg"), topic, "Tag0 || Tag2", false, sink);
        sink.await(wanted.size(), 60);
        // Let any wrongly delivered Tag1 message show up too.
        Thread.sleep(1500);
        Check.sameMessages(wanted, sink.all());
    }
}
