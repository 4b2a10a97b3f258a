package org.cometmq.interop;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.LocalTransactionState;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.TransactionListener;
import org.apache.rocketmq.client.producer.TransactionMQProducer;
import org.apache.rocketmq.client.producer.TransactionSendResult;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;

/** Retry and DLQ, delay levels, transactions and queries. */
final class ReliabilityScenarios {
    private ReliabilityScenarios() {
    }

    /** The test broker's delay levels (messageDelayLevel), in milliseconds. */
    static final long[] LEVEL_MS = {1000, 2000, 3000, 1000, 2000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000};

    static String messageDelayLevel() {
        StringBuilder sb = new StringBuilder();
        for (long ms : LEVEL_MS) {
            sb.append(sb.length() == 0 ? "" : " ").append(ms / 1000).append('s');
        }
        return sb.toString();
    }

    /**
     * A consumer that always asks to reconsume later: the message comes back with growing
     * reconsumeTimes (delay levels 3, 4, …), the retries keep body, keys, tags and
     * properties, and after maxReconsumeTimes it lands in %DLQ%group.
     */
    static void retryThenDlq(Env env) throws Exception {
        String topic = env.topic("retry", 0);
        String group = env.name("cg");
        Map<Integer, Long> attempts = new ConcurrentHashMap<>();
        Sink sink = new Sink(m -> {
            attempts.put(m.getReconsumeTimes(), System.currentTimeMillis());
            return ConsumeConcurrentlyStatus.RECONSUME_LATER;
        });
        // The broker creates %RETRY%group at the consumer's first heartbeat, after the
        // client fetched its routes; the client learns the route at its next NameServer
        // poll (30 s by default, with Java's broker too). Poll often, so the first retry is
        // pulled when it is due.
        env.pollNameServerInterval = 1000;
        var c = env.pushConsumer(group, topic, "*", false, sink);
        env.pollNameServerInterval = 30_000;
        c.setMaxReconsumeTimes(2);
        DefaultMQProducer p = env.producer("pg");
        Message sent = Env.msg(topic, "Retry", "retry-key", "retry-body");
        SendScenarios.checkResult(p.send(sent));
        List<MessageExt> got = sink.await(3, 60);
        if (Boolean.getBoolean("interop.debug")) {
            for (MessageExt m : got) {
                System.err.printf("delivery %d: born %d stored %d arrived %d%n", m.getReconsumeTimes(), m.getBornTimestamp(), m.getStoreTimestamp(), attempts.get(m.getReconsumeTimes()));
            }
        }
        Check.equal(3, got.size(), "deliveries (first + 2 retries)");
        for (int i = 0; i < 3; i++) {
            MessageExt m = got.get(i);
            Check.sameMessage(sent, m);
            Check.equal(i, m.getReconsumeTimes(), "reconsumeTimes of delivery " + i);
        }
        Check.equal(got.get(0).getMsgId(), got.get(2).getMsgId(), "the retries keep the uniq msgId");
        // Level 3 + reconsumeTimes: 3 s, then 1 s (the test broker's levels).
        long first = got.get(1).getStoreTimestamp() - got.get(0).getStoreTimestamp();
        Check.that(first >= LEVEL_MS[2] - 100, "first retry stored " + first + " ms after the message; level 3 is " + LEVEL_MS[2]);
        // The DLQ: found by key in %DLQ%group.
        String dlq = "%DLQ%" + group;
        long deadline = System.currentTimeMillis() + 60_000;
        List<MessageExt> inDlq = new ArrayList<>();
        while (inDlq.isEmpty()) {
            try {
                inDlq = env.admin.queryMessage(dlq, "retry-key", 32, 0, Long.MAX_VALUE).getMessageList();
            } catch (Exception notYet) {
                // no route for the DLQ topic yet
            }
            Check.that(System.currentTimeMillis() < deadline || !inDlq.isEmpty(), "message never reached " + dlq);
            Thread.sleep(300);
        }
        MessageExt d = inDlq.get(0);
        Check.equal(dlq, d.getTopic(), "DLQ topic");
        Check.equal("retry-body", Check.body(d), "DLQ body");
        Check.equal("Retry", d.getTags(), "DLQ tags");
        Check.equal(topic, d.getProperty("RETRY_TOPIC"), "RETRY_TOPIC of the DLQ message");
        Check.equal("v1-10", d.getUserProperty("p1"), "user property in the DLQ");
        Check.that(got.size() == 3 && sink.await(4, 2).size() == 3, "a fourth delivery after the DLQ");
    }

    /** Delay levels 1, 2 and 3: delivered to the real topic no sooner than the level says. */
    static void delayLevels(Env env) throws Exception {
        String topic = env.topic("delay");
        DefaultMQProducer p = env.producer("pg");
        List<Message> sent = new ArrayList<>();
        for (int level = 1; level <= 4; level++) {
            Message m = Env.msg(topic, "Delay", "delay-key-" + level, "delay-level-" + level);
            m.setDelayTimeLevel(level);
            SendScenarios.checkResult(p.send(m));
            sent.add(m);
        }
        Sink sink = new Sink();
        env.pushConsumer(env.name("cg"), topic, "*", false, sink);
        List<MessageExt> got = sink.await(sent.size(), 60);
        Check.sameMessages(sent, got);
        for (MessageExt m : got) {
            int level = Integer.parseInt(Check.body(m).substring("delay-level-".length()));
            long delay = m.getStoreTimestamp() - m.getBornTimestamp();
            Check.that(delay >= LEVEL_MS[level - 1] - 100, "level " + level + " stored after " + delay + " ms");
            Check.equal(null, m.getProperty("DELAY"), "DELAY property after delivery (level " + level + ")");
            Check.equal(topic, m.getProperty("REAL_TOPIC"), "REAL_TOPIC of level " + level);
        }
    }

    /** Transactions: commit, rollback, and UNKNOWN resolved by the broker's check-back. */
    static void transactions(Env env) throws Exception {
        String topic = env.topic("txn");
        Map<String, Integer> checks = new ConcurrentHashMap<>();
        TransactionMQProducer p = new TransactionMQProducer(env.name("txpg"));
        p.setNamesrvAddr(env.cluster.namesrvAddr());
        p.setInstanceName(env.name("inst"));
        p.setTransactionListener(new TransactionListener() {
            @Override
            public LocalTransactionState executeLocalTransaction(Message msg, Object arg) {
                return (LocalTransactionState) arg;
            }

            @Override
            public LocalTransactionState checkLocalTransaction(MessageExt msg) {
                checks.merge(msg.getKeys(), 1, Integer::sum);
                return msg.getKeys().startsWith("unknown-commit") ? LocalTransactionState.COMMIT_MESSAGE : LocalTransactionState.ROLLBACK_MESSAGE;
            }
        });
        p.start();
        env.onCleanup(p::shutdown);
        List<Message> expected = new ArrayList<>();
        String[] kinds = {"commit", "rollback", "unknown-commit", "unknown-rollback"};
        LocalTransactionState[] states = {LocalTransactionState.COMMIT_MESSAGE, LocalTransactionState.ROLLBACK_MESSAGE, LocalTransactionState.UNKNOW, LocalTransactionState.UNKNOW};
        for (int i = 0; i < kinds.length; i++) {
            Message m = Env.msg(topic, "Txn", kinds[i], "txn-" + kinds[i]);
            TransactionSendResult r = p.sendMessageInTransaction(m, states[i]);
            Check.equal(states[i], r.getLocalTransactionState(), "local state of " + kinds[i]);
            if (kinds[i].endsWith("commit")) {
                expected.add(m);
            }
        }
        Sink sink = new Sink();
        env.pushConsumer(env.name("cg"), topic, "*", false, sink);
        sink.await(expected.size(), 90);
        long deadline = System.currentTimeMillis() + 60_000;
        while (!checks.containsKey("unknown-rollback") && System.currentTimeMillis() < deadline) {
            Thread.sleep(200);
        }
        Thread.sleep(1500);
        Check.sameMessages(expected, sink.all());
        Check.that(checks.containsKey("unknown-commit") && checks.containsKey("unknown-rollback"), "check-back asked about " + checks.keySet());
        Check.that(!checks.containsKey("commit") && !checks.containsKey("rollback"), "check-back asked about a finished transaction: " + checks.keySet());
        for (MessageExt m : sink.all()) {
            // Java's EndTransactionProcessor clears TRAN_MSG, REAL_TOPIC and REAL_QID on commit.
            Check.equal(null, m.getProperty("TRAN_MSG"), "TRAN_MSG of " + m.getKeys());
            Check.equal(null, m.getProperty("REAL_TOPIC"), "REAL_TOPIC of " + m.getKeys());
        }
    }

    /** Queries: by key (index), by uniq message id, by offset message id. */
    static void queries(Env env) throws Exception {
        String topic = env.topic("query");
        DefaultMQProducer p = env.producer("pg");
        List<SendResult> results = new ArrayList<>();
        List<Message> sent = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Message m = Env.msg(topic, "Query", "qkey-" + (i % 2), "query-body-" + i);
            results.add(p.send(m));
            sent.add(m);
        }
        long deadline = System.currentTimeMillis() + 30_000;
        List<MessageExt> byKey;
        while (true) {
            // The index is written after the send is answered (as in Java): ask until it
            // has all three; 5.x throws "no message" instead of returning none.
            try {
                byKey = env.admin.queryMessage(topic, "qkey-1", 32, 0, Long.MAX_VALUE).getMessageList();
            } catch (org.apache.rocketmq.client.exception.MQClientException none) {
                byKey = List.of();
            }
            if (byKey.size() >= 3 || System.currentTimeMillis() > deadline) {
                break;
            }
            Thread.sleep(200);
        }
        Check.sameMessages(List.of(sent.get(1), sent.get(3), sent.get(5)), byKey);
        for (int i = 0; i < sent.size(); i++) {
            SendResult r = results.get(i);
            MessageExt byUniq = env.admin.viewMessage(topic, r.getMsgId());
            Check.sameMessage(sent.get(i), byUniq);
            Check.equal(r.getMsgId(), byUniq.getMsgId(), "msgId by uniq key");
            MessageExt byOffset = env.admin.viewMessage(topic, r.getOffsetMsgId());
            Check.sameMessage(sent.get(i), byOffset);
            Check.equal(r.getQueueOffset(), byOffset.getQueueOffset(), "queue offset by offset id");
            Check.equal(r.getMessageQueue().getQueueId(), byOffset.getQueueId(), "queue by offset id");
        }
    }
}
