package org.cometmq.interop;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.TopicConfig;
import org.apache.rocketmq.common.message.Message;

/**
 * Apache RocketMQ's own broker in CometMQ's cluster (issue 16): a Java broker registers
 * with CometMQ's NameServers beside the two CometMQ brokers, and Java's client produces to
 * and consumes from all three as one cluster.
 */
final class MixedScenarios {
    private MixedScenarios() {
    }

    static final String JAVA_BROKER = "broker-java";

    /**
     * Starts the Java broker ({@code tests/interop/java-broker/run.sh}, passed in as
     * {@code -Dinterop.javaBroker}) registered with the cluster's NameServers.
     */
    static Cluster.Server startJavaBroker(Env env) throws Exception {
        String runSh = System.getProperty("interop.javaBroker", "");
        Check.that(!runSh.isEmpty(), "-Dinterop.javaBroker (tests/interop/java-broker/run.sh) is not set");
        Path dir = Files.createDirectories(env.cluster.dir.resolve(JAVA_BROKER));
        Path store = dir.resolve("store");
        int port = Cluster.freePort(true);
        Path conf = dir.resolve("broker.conf");
        Files.writeString(conf, String.join("\n",
                "brokerClusterName=" + Cluster.CLUSTER,
                "brokerName=" + JAVA_BROKER,
                "brokerId=0",
                "brokerIP1=127.0.0.1",
                // Java's default brokerIP2 is a non-loopback address.
                "brokerIP2=127.0.0.1",
                "listenPort=" + port,
                "haListenPort=" + (port + 1),
                "namesrvAddr=" + env.cluster.namesrvAddr(),
                "storePathRootDir=" + store,
                "storePathCommitLog=" + store.resolve("commitlog"),
                // Java 4.9 reads only this spelling.
                "mappedFileSizeCommitLog=67108864",
                "mapedFileSizeConsumeQueue=60000",
                "maxHashSlotNum=5000",
                "maxIndexNum=20000",
                "diskMaxUsedSpaceRatio=99",
                "autoCreateTopicEnable=false",
                "autoCreateSubscriptionGroup=true") + "\n", StandardCharsets.UTF_8);
        Cluster.Server broker = new Cluster.Server(
                List.of(runSh, "broker", dir.resolve("home").toString(), "-c", conf.toString()),
                dir.resolve("broker.log").toFile(), port);
        // A JVM broker takes seconds to start on a loaded 2-core machine.
        broker.start(180);
        env.onCleanup(() -> {
            try {
                broker.stop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return broker;
    }

    /**
     * One topic on both CometMQ brokers and the Java broker: the producer's sends reach all
     * three broker names, and a push consumer gets every message exactly as sent, its
     * offsets committed on every broker.
     */
    static void javaBrokerInCluster(Env env) throws Exception {
        Cluster.Server javaBroker = startJavaBroker(env);
        String javaAddr = "127.0.0.1:" + javaBroker.port;
        String topic = env.name("mixed");
        String[] addrs = {env.cluster.brokerAddr(0), env.cluster.brokerAddr(1), javaAddr};
        long deadline = System.currentTimeMillis() + 60_000;
        for (String addr : addrs) {
            TopicConfig tc = new TopicConfig(topic, 4, 4, 6);
            while (true) {
                try {
                    env.admin.createAndUpdateTopicConfig(addr, tc);
                    break;
                } catch (Exception notYet) {
                    Check.that(System.currentTimeMillis() < deadline, "cannot create " + topic + " on " + addr + ": " + notYet);
                    Thread.sleep(200);
                }
            }
        }
        while (true) {
            try {
                if (env.admin.examineTopicRouteInfo(topic).getBrokerDatas().size() == 3) {
                    break;
                }
            } catch (Exception notYet) {
                // TOPIC_NOT_EXIST until every broker registered it
            }
            Check.that(System.currentTimeMillis() < deadline, "the route of " + topic + " never listed all three brokers");
            Thread.sleep(200);
        }
        DefaultMQProducer p = env.producer("pg");
        List<Message> sent = SendScenarios.messages(topic, "mixed", 96);
        Set<String> brokers = new TreeSet<>();
        for (Message m : sent) {
            SendResult r = p.send(m);
            SendScenarios.checkResult(r);
            brokers.add(r.getMessageQueue().getBrokerName());
        }
        Check.equal(new TreeSet<>(List.of(Cluster.BROKER_NAMES[0], Cluster.BROKER_NAMES[1], JAVA_BROKER)),
                brokers, "brokers the sends reached");
        String group = env.name("cg");
        Sink sink = new Sink();
        env.pushConsumer(group, topic, "*", false, sink);
        Check.sameMessages(sent, sink.await(sent.size(), 90));
        long committed = System.currentTimeMillis() + 60_000;
        for (String addr : addrs) {
            while (lag(env, addr, group) != 0) {
                Check.that(System.currentTimeMillis() < committed, "the group's offsets never reached " + addr);
                Thread.sleep(200);
            }
        }
    }

    /**
     * The group's lag on one broker, or -1 while it has no stats there. Asked of each broker
     * (GET_BROKER_CONSUME_STATS): 5.x's examineConsumeStats(group) first asks every broker of
     * the route for GET_TOPIC_CONFIG (351), which a 4.9 Java broker refuses.
     */
    private static long lag(Env env, String addr, String group) throws Exception {
        var list = env.admin.fetchConsumeStatsInBroker(addr, false, 5000);
        long diff = -1;
        for (var byGroup : list.getConsumeStatsList()) {
            var stats = byGroup.get(group);
            if (stats != null) {
                diff = Math.max(diff, 0);
                for (var s : stats) {
                    diff += s.computeTotalDiff();
                }
            }
        }
        return diff;
    }
}
