package org.cometmq.interop;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;

/** Assertions on what a client received, compared field by field with what was sent. */
final class Check {
    private Check() {
    }

    static void that(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError(what);
        }
    }

    static void equal(Object expected, Object actual, String what) {
        if (!Objects.equals(expected, actual)) {
            throw new AssertionError(what + ": expected <" + expected + "> but got <" + actual + ">");
        }
    }

    static String body(Message m) {
        return new String(m.getBody(), StandardCharsets.UTF_8);
    }

    /**
     * Every sent message arrived exactly once (by body), with its topic, tags, keys, body
     * and user properties intact, and nothing else arrived.
     */
    static void sameMessages(Collection<Message> sent, Collection<MessageExt> got) {
        Map<String, Message> byBody = new HashMap<>();
        for (Message m : sent) {
            byBody.put(body(m), m);
        }
        Map<String, Integer> seen = new HashMap<>();
        for (MessageExt m : got) {
            String b = body(m);
            Message want = byBody.get(b);
            that(want != null, "unexpected message received: " + abbreviate(b) + " " + m);
            seen.merge(b, 1, Integer::sum);
            sameMessage(want, m);
        }
        List<String> missing = new ArrayList<>();
        for (String b : byBody.keySet()) {
            if (!seen.containsKey(b)) {
                missing.add(abbreviate(b));
            }
        }
        that(missing.isEmpty(), missing.size() + " of " + sent.size() + " messages never arrived, e.g. " + missing.subList(0, Math.min(3, missing.size())));
        seen.forEach((b, n) -> that(n == 1, "message received " + n + " times: " + abbreviate(b)));
    }

    /** One received message matches the sent one (topic, tags, keys, body, properties). */
    static void sameMessage(Message want, MessageExt got) {
        String b = abbreviate(body(want));
        equal(want.getTopic(), got.getTopic(), "topic of " + b);
        equal(want.getTags(), got.getTags(), "tags of " + b);
        equal(want.getKeys(), got.getKeys(), "keys of " + b);
        that(Arrays.equals(want.getBody(), got.getBody()), "body differs for " + b);
        for (Map.Entry<String, String> p : want.getProperties().entrySet()) {
            if (p.getKey().startsWith("user.") || p.getKey().equals("p1") || p.getKey().equals("p2")) {
                equal(p.getValue(), got.getUserProperty(p.getKey()), "property " + p.getKey() + " of " + b);
            }
        }
        that(got.getMsgId() != null && !got.getMsgId().isEmpty(), "msgId of " + b);
    }

    /** Within each queue, messages arrive in queue-offset order, which is send order. */
    static void queueOrder(List<MessageExt> got) {
        Map<String, Long> last = new HashMap<>();
        for (MessageExt m : got) {
            String q = m.getBrokerName() + "/" + m.getQueueId();
            Long prev = last.put(q, m.getQueueOffset());
            that(prev == null || prev < m.getQueueOffset(), "queue " + q + " delivered offset " + m.getQueueOffset() + " after " + prev);
        }
    }

    /**
     * For consumers that may hand messages to several threads at once (concurrent push
     * consumers): within each queue, offsets are consecutive and follow the send order.
     */
    static void storeOrder(List<? extends Message> sent, List<MessageExt> got) {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < sent.size(); i++) {
            index.put(body(sent.get(i)), i);
        }
        Map<String, List<MessageExt>> byQueue = new HashMap<>();
        for (MessageExt m : got) {
            byQueue.computeIfAbsent(m.getBrokerName() + "/" + m.getQueueId(), k -> new ArrayList<>()).add(m);
        }
        byQueue.forEach((q, ms) -> {
            ms.sort((a, b) -> Long.compare(a.getQueueOffset(), b.getQueueOffset()));
            for (int i = 1; i < ms.size(); i++) {
                equal(ms.get(i - 1).getQueueOffset() + 1, ms.get(i).getQueueOffset(), "consecutive offsets in " + q);
                that(index.get(body(ms.get(i - 1))) < index.get(body(ms.get(i))), "queue " + q + " stored " + body(ms.get(i)) + " after " + body(ms.get(i - 1)));
            }
        });
    }

    static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…(" + s.length() + " chars)" : s;
    }
}
