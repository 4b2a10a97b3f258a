package org.cometmq.interop;

import java.util.ArrayList;
import java.util.List;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;

/** Restarts and lost servers. These run last: they leave servers stopped. */
final class FailureScenarios {
    private FailureScenarios() {
    }

    /**
     * A group consumes, shuts down (committing its offsets), the broker restarts, more
     * messages come: the group resumes exactly after what it had consumed.
     */
    static void offsetsAcrossRestart(Env env) throws Exception {
        String topic = env.topic("restart", 0);
        String group = env.name("cg");
        DefaultMQProducer p = env.producer("pg");
        List<Message> before = SendScenarios.messages(topic, "before", 12);
        for (Message m : before) {
            SendScenarios.checkResult(p.send(m));
        }
        Sink sink = new Sink();
        DefaultMQPushConsumer c = env.pushConsumer(group, topic, "*", false, sink);
        Check.sameMessages(before, sink.await(before.size(), 60));
        // The listener sees a message before its offset advances: wait until the broker
        // holds the group's offsets for all of them (the client commits every 5 s), so the
        // shutdown has nothing in flight that it might leave uncommitted.
        long committed = System.currentTimeMillis() + 30_000;
        while (env.admin.examineConsumeStats(group).computeTotalDiff() != 0) {
            Check.that(System.currentTimeMillis() < committed, "the group's offsets never reached the broker");
            Thread.sleep(200);
        }
        c.shutdown();
        env.cluster.brokers[0].stop();
        env.cluster.brokers[0].start();
        long deadline = System.currentTimeMillis() + 30_000;
        List<Message> after = SendScenarios.messages(topic, "after", 12);
        for (Message m : after) {
            while (true) {
                try {
                    SendScenarios.checkResult(p.send(m));
                    break;
                } catch (Exception reconnecting) {
                    Check.that(System.currentTimeMillis() < deadline, "no send after the restart: " + reconnecting);
                    Thread.sleep(200);
                }
            }
        }
        Sink again = new Sink();
        env.pushConsumer(group, topic, "*", false, again);
        again.await(after.size(), 60);
        Thread.sleep(1500);
        Check.sameMessages(after, again.all());
    }

    /**
     * A topic on both broker groups; broker-b stops: sends go on to broker-a (the producer
     * retries on another broker) and a consumer gets every message sent.
     */
    static void oneBrokerGroupStopped(Env env) throws Exception {
        String topic = env.topic("twogroups");
        DefaultMQProducer p = env.producer("pg");
        List<Message> sent = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Message m = Env.msg(topic, "Two", "two-key-" + i, "two-body-" + i);
            SendScenarios.checkResult(p.send(m));
            sent.add(m);
        }
        env.cluster.brokers[1].stop();
        for (int i = 10; i < 30; i++) {
            Message m = Env.msg(topic, "Two", "two-key-" + i, "two-body-" + i);
            SendResult r = p.send(m);
            SendScenarios.checkResult(r);
            Check.equal("broker-a", r.getMessageQueue().getBrokerName(), "broker of a send after broker-b stopped");
            sent.add(m);
        }
        env.cluster.brokers[1].start();
        Sink sink = new Sink();
        env.pushConsumer(env.name("cg"), topic, "*", false, sink);
        List<MessageExt> got = sink.await(sent.size(), 90);
        Check.sameMessages(sent, got);
    }

    /** Two NameServers configured; the first is killed while a producer sends. */
    static void namesrvLost(Env env) throws Exception {
        String topic = env.topic("nslost");
        DefaultMQProducer p = env.producer("pg");
        List<Message> sent = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            if (i == 10) {
                env.cluster.namesrvs[0].stop();
            }
            Message m = Env.msg(topic, "Ns", "ns-key-" + i, "ns-body-" + i);
            SendScenarios.checkResult(p.send(m));
            sent.add(m);
            Thread.sleep(50);
        }
        // A new client after the loss finds routes through the second NameServer. RocketMQ
        // 5.x's push consumer picks a NameServer at random for its first route lookup, and
        // its start() throws when that one is the dead one (4.9.8's logs and goes on); a new
        // consumer tries again, as an application would. Java's NameServer does the same.
        Sink sink = new Sink();
        for (int attempt = 1; ; attempt++) {
            try {
                env.pushConsumer(env.name("cg"), topic, "*", false, sink);
                break;
            } catch (IllegalStateException e) {
                if (attempt >= 8) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
        Check.sameMessages(sent, sink.await(sent.size(), 90));
    }
}
