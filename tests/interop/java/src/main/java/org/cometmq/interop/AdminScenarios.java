package org.cometmq.interop;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.tools.command.MQAdminStartup;

/**
 * Apache RocketMQ's mqadmin ({@code MQAdminStartup}, in process) against the cluster: each
 * command's output must hold what the command prints on success, and no exception. mqadmin
 * exits 0 even when a command fails, so the output is all there is to check.
 */
final class AdminScenarios {
    private AdminScenarios() {
    }

    /** What the commands work on, made once by {@link #setUp}. */
    static final class Fixture {
        String topic;
        String group;
        String producerGroup;
        String key;
        String newTopic;
        String newGroup;
        String kvNamespace;
        SendResult sent;
        final List<Runnable> stop = new ArrayList<>();
    }

    /** RocketMQ 5's mqadmin (whose options differ for some commands). */
    static final boolean V5 = org.apache.rocketmq.common.MQVersion.getVersionDesc(
            org.apache.rocketmq.common.MQVersion.CURRENT_VERSION).startsWith("V5");

    /**
     * mqadmin calls System.exit on a command line it cannot parse: refuse that (where the
     * JDK still allows a SecurityManager), so a wrong option fails one scenario, not the run.
     */
    @SuppressWarnings("removal")
    static void refuseExit() {
        try {
            System.setSecurityManager(new SecurityManager() {
                @Override
                public void checkExit(int status) {
                    if (Thread.currentThread().getName().equals("scenario")) {
                        throw new SecurityException("mqadmin called System.exit(" + status + ")");
                    }
                }

                @Override
                public void checkPermission(java.security.Permission perm) {
                }

                @Override
                public void checkPermission(java.security.Permission perm, Object context) {
                }
            });
        } catch (UnsupportedOperationException | SecurityException unavailable) {
            // JDK 18+ without -Djava.security.manager=allow, or 24+: no guard
        }
    }

    /** Runs one mqadmin command (with {@code -n}) and returns everything it printed. */
    static synchronized String mqadmin(Env env, String... args) {
        List<String> all = new ArrayList<>(Arrays.asList(args));
        all.add("-n");
        all.add(env.cluster.namesrvAddr());
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(buf, true, StandardCharsets.UTF_8);
        PrintStream out = System.out;
        PrintStream err = System.err;
        System.setOut(capture);
        System.setErr(capture);
        try {
            MQAdminStartup.main0(all.toArray(new String[0]), null);
        } catch (SecurityException exit) {
            capture.println("Exception: " + exit.getMessage());
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    /** A topic with messages, a consuming group and a live producer for the commands. */
    static Fixture setUp(Env env) throws Exception {
        Fixture f = new Fixture();
        f.topic = env.topic("adm");
        f.group = env.name("admcg");
        f.key = env.name("admkey");
        f.newTopic = env.name("admnew");
        f.newGroup = env.name("admsg");
        f.kvNamespace = env.name("admns");
        DefaultMQProducer p = new DefaultMQProducer(env.name("admpg"));
        p.setNamesrvAddr(env.cluster.namesrvAddr());
        p.setInstanceName(env.name("inst"));
        p.start();
        f.stop.add(p::shutdown);
        f.producerGroup = p.getProducerGroup();
        for (int i = 0; i < 8; i++) {
            SendResult r = p.send(Env.msg(f.topic, "AdmTag", f.key, "admin-body-" + i));
            if (i == 0) {
                f.sent = r;
            }
        }
        Sink sink = new Sink();
        DefaultMQPushConsumer c = new DefaultMQPushConsumer(f.group);
        c.setNamesrvAddr(env.cluster.namesrvAddr());
        c.setInstanceName(env.name("inst"));
        c.setConsumeFromWhere(org.apache.rocketmq.common.consumer.ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        c.subscribe(f.topic, "*");
        c.setMessageListener(sink);
        c.start();
        f.stop.add(c::shutdown);
        Check.equal(8, sink.await(8, 60).size(), "messages consumed before the admin commands");
        // Let the consumer commit its offsets (every 5 s) so progress shows no lag.
        long deadline = System.currentTimeMillis() + 30_000;
        while (env.admin.examineConsumeStats(f.group).computeTotalDiff() != 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(300);
        }
        return f;
    }

    /** Each command with its arguments and what its output must contain. */
    static Map<String, String[][]> commands(Env env, Fixture f) {
        String a = env == null ? "" : env.cluster.brokerAddr(0);
        String newTopic = f.newTopic;
        String newGroup = f.newGroup;
        String ns = f.kvNamespace;
        Map<String, String[][]> c = new LinkedHashMap<>();
        c.put("clusterList", new String[][] {{"clusterList"}, {"broker-a", "broker-b", Cluster.CLUSTER}});
        c.put("brokerStatus", new String[][] {{"brokerStatus", "-b", a}, {"msgPutTotalTodayNow", "bootTimestamp"}});
        c.put("getBrokerConfig", new String[][] {{"getBrokerConfig", "-b", a}, {"brokerName", "broker-a"}});
        c.put("updateBrokerConfig", new String[][] {{"updateBrokerConfig", "-b", a, "-k", "maxMessageSize", "-v", "4194304"}, {"success"}});
        c.put("topicList", new String[][] {{"topicList"}, {f.topic}});
        c.put("topicRoute", new String[][] {{"topicRoute", "-t", f.topic}, {"brokerDatas", "broker-a", "broker-b"}});
        c.put("topicStatus", new String[][] {{"topicStatus", "-t", f.topic}, {"#Broker Name", "broker-a"}});
        c.put("topicClusterList", new String[][] {{"topicClusterList", "-t", f.topic}, {Cluster.CLUSTER}});
        c.put("updateTopic", new String[][] {{"updateTopic", "-c", Cluster.CLUSTER, "-t", newTopic, "-r", "2", "-w", "2"}, {"success", newTopic}});
        c.put("updateTopicPerm", new String[][] {{"updateTopicPerm", "-c", Cluster.CLUSTER, "-t", newTopic, "-p", "4"}, {"success"}});
        c.put("deleteTopic", new String[][] {{"deleteTopic", "-c", Cluster.CLUSTER, "-t", newTopic}, {"success", newTopic}});
        c.put("allocateMQ", new String[][] {{"allocateMQ", "-t", f.topic, "-i", "10.0.0.1,10.0.0.2"}, {"10.0.0.1", "10.0.0.2", "queueId"}});
        c.put("updateSubGroup", new String[][] {{"updateSubGroup", "-c", Cluster.CLUSTER, "-g", newGroup}, {"success", newGroup}});
        c.put("deleteSubGroup", new String[][] {{"deleteSubGroup", "-c", Cluster.CLUSTER, "-g", newGroup}, {"success", newGroup}});
        c.put("consumerProgress", new String[][] {{"consumerProgress", "-g", f.group}, {"#Topic", f.topic, "Diff Total: 0"}});
        c.put("consumerConnection", new String[][] {{"consumerConnection", "-g", f.group}, {"#ClientId", "CONSUME_PASSIVELY", f.topic}});
        c.put("consumerStatus", new String[][] {{"consumerStatus", "-g", f.group}, {"#Index", "#ClientId"}});
        c.put("producerConnection", new String[][] {{"producerConnection", "-g", f.producerGroup, "-t", f.topic}, {"JAVA"}});
        c.put("brokerConsumeStats", new String[][] {{"brokerConsumeStats", "-b", a}, {"#Topic", f.group}});
        // -a: only topics with traffic today, from VIEW_BROKER_STATS_DATA's counts; the row
        // names the topic and its consuming group.
        c.put("statsAll", new String[][] {{"statsAll", "-a", "-t", f.topic}, {"#Topic", f.topic, f.group}});
        c.put("queryMsgById", new String[][] {V5 ? new String[] {"queryMsgById", "-t", f.topic, "-i", f.sent.getOffsetMsgId()} : new String[] {"queryMsgById", "-i", f.sent.getOffsetMsgId()}, {"OffsetID:", f.sent.getOffsetMsgId(), f.key, "p1=v1-12", "Message Body Path:"}});
        c.put("queryMsgByKey", new String[][] {{"queryMsgByKey", "-t", f.topic, "-k", f.key}, {"#Message ID", f.sent.getMsgId()}});
        c.put("queryMsgByUniqueKey", new String[][] {{"queryMsgByUniqueKey", "-t", f.topic, "-i", f.sent.getMsgId()}, {"Topic:", f.topic, f.key, "p1=v1-12"}});
        c.put("queryMsgByOffset", new String[][] {{"queryMsgByOffset", "-t", f.topic, "-b", f.sent.getMessageQueue().getBrokerName(),
            "-i", String.valueOf(f.sent.getMessageQueue().getQueueId()), "-o", String.valueOf(f.sent.getQueueOffset())}, {"Topic:", f.topic, f.key}});
        c.put("queryCq", new String[][] {{"queryCq", "-t", f.topic, "-q", String.valueOf(f.sent.getMessageQueue().getQueueId()), "-i", "0", "-c", "5"}, {"Queue data:", "ConsumeQueueData{physicOffset="}});
        c.put("printMsg", new String[][] {{"printMsg", "-t", f.topic}, {"MSGID", "admin-body-"}});
        c.put("sendMessage", new String[][] {{"sendMessage", "-t", f.topic, "-p", "from-mqadmin"}, {"SEND_OK"}});
        c.put("consumeMessage", new String[][] {{"consumeMessage", "-t", f.topic, "-c", "3"}, {"admin-body-"}});
        c.put("resetOffsetByTime", new String[][] {{"resetOffsetByTime", "-g", f.group, "-t", f.topic, "-s", "now"}, {"#brokerName", "broker-a"}});
        c.put("cloneGroupOffset", new String[][] {{"cloneGroupOffset", "-s", f.group, "-d", f.group + "_clone", "-t", f.topic}, {"success"}});
        c.put("getNamesrvConfig", new String[][] {{"getNamesrvConfig"}, {"listenPort"}});
        c.put("updateNamesrvConfig", new String[][] {{"updateNamesrvConfig", "-k", "enableTopicList", "-v", "true"}, {"success"}});
        c.put("updateKvConfig", new String[][] {{"updateKvConfig", "-s", ns, "-k", "k1", "-v", "v1"}, {"success"}});
        c.put("deleteKvConfig", new String[][] {{"deleteKvConfig", "-s", ns, "-k", "k1"}, {"success"}});
        c.put("wipeWritePerm", new String[][] {{"wipeWritePerm", "-b", "broker-b"}, {"broker-b", "OK"}});
        c.put("addWritePerm", new String[][] {{"addWritePerm", "-b", "broker-b"}, {"broker-b", "OK"}});
        return c;
    }

    /** Markers of a failed command in mqadmin's output (it prints the stack trace). */
    static final String[] FAILURE = {"Exception", "\tat org.apache"};

    /** One mqadmin command as a scenario; the fixture is made by the first one to run. */
    static Interop.Scenario command(String name, Fixture[] shared) {
        return env -> {
            if (shared[0] == null) {
                shared[0] = setUp(env);
            }
            String[][] spec = commands(env, shared[0]).get(name);
            String out = mqadmin(env, spec[0]);
            // statsAll reads the broker's minute statistics, sampled every 10 s: ask again
            // until the fixture's traffic has been sampled (at most 30 s).
            long until = System.currentTimeMillis() + 30_000;
            while (name.equals("statsAll") && !containsAll(out, spec[1]) && System.currentTimeMillis() < until) {
                Thread.sleep(1000);
                out = mqadmin(env, spec[0]);
            }
            for (String bad : FAILURE) {
                Check.that(!out.contains(bad), "mqadmin " + name + " failed:\n" + indent(out));
            }
            for (String want : spec[1]) {
                Check.that(out.contains(want), "mqadmin " + name + " printed no \"" + want + "\":\n" + indent(out));
            }
        };
    }

    /** The command names, in the order they run. */
    static List<String> names() {
        Fixture dummy = new Fixture();
        dummy.sent = new SendResult();
        dummy.sent.setMessageQueue(new org.apache.rocketmq.common.message.MessageQueue("t", "b", 0));
        return new ArrayList<>(commands(null, dummy).keySet());
    }

    /** Stops the fixture's clients. */
    static void tearDown(Fixture[] shared) {
        if (shared[0] != null) {
            shared[0].stop.forEach(Runnable::run);
            shared[0] = null;
        }
    }

    private static boolean containsAll(String out, String[] wants) {
        for (String want : wants) {
            if (!out.contains(want)) {
                return false;
            }
        }
        return true;
    }

    private static String indent(String out) {
        String[] lines = out.split("\n");
        return "    " + String.join("\n    ", Arrays.copyOf(lines, Math.min(lines.length, 30)));
    }
}
