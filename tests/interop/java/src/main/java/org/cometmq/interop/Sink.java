package org.cometmq.interop;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyContext;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.common.message.MessageExt;

/** A concurrent listener that records every message it is given, in arrival order. */
final class Sink implements MessageListenerConcurrently {
    private final List<MessageExt> got = new ArrayList<>();
    private final Function<MessageExt, ConsumeConcurrentlyStatus> answer;

    Sink() {
        this(m -> ConsumeConcurrentlyStatus.CONSUME_SUCCESS);
    }

    Sink(Function<MessageExt, ConsumeConcurrentlyStatus> answer) {
        this.answer = answer;
    }

    @Override
    public ConsumeConcurrentlyStatus consumeMessage(List<MessageExt> msgs, ConsumeConcurrentlyContext context) {
        ConsumeConcurrentlyStatus status = ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        synchronized (this) {
            got.addAll(msgs);
            notifyAll();
        }
        for (MessageExt m : msgs) {
            if (answer.apply(m) == ConsumeConcurrentlyStatus.RECONSUME_LATER) {
                status = ConsumeConcurrentlyStatus.RECONSUME_LATER;
            }
        }
        return status;
    }

    /** Waits until at least {@code n} messages arrived (or the time is up) and returns a copy. */
    synchronized List<MessageExt> await(int n, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (got.size() < n) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                break;
            }
            wait(left);
        }
        return new ArrayList<>(got);
    }

    synchronized List<MessageExt> all() {
        return new ArrayList<>(got);
    }
}
