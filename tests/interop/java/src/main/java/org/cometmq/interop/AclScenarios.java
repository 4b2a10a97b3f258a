package org.cometmq.interop;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.rocketmq.acl.common.AclClientRPCHook;
import org.apache.rocketmq.acl.common.SessionCredentials;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.rebalance.AllocateMessageQueueAveragely;
import org.apache.rocketmq.client.exception.MQBrokerException;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.TopicConfig;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.remoting.RPCHook;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;

/**
 * ACL 1.0: the Java client signing with {@code AclClientRPCHook} against a CometMQ broker
 * with {@code aclEnable=true} (its own NameServer and broker, started here): allowed,
 * denied, wrong secret, unknown key, and an admin request from a non-admin account, each
 * refused with the answer Java's broker gives (SYSTEM_ERROR, the AclException's text).
 */
final class AclScenarios {
    private AclScenarios() {
    }

    static final String RULES = String.join("\n",
            "accounts:",
            "  - accessKey: producer1",
            "    secretKey: producer-secret",
            "    defaultTopicPerm: DENY",
            "    defaultGroupPerm: SUB",
            "    topicPerms:",
            "      - TopicAcl=PUB|SUB",
            "      - TopicAclDenied=DENY",
            "  - accessKey: rocketmq2",
            "    secretKey: admin-secret",
            "    admin: true",
            "");

    static RPCHook hook(String ak, String sk) {
        return new AclClientRPCHook(new SessionCredentials(ak, sk));
    }

    static void signedClients(Env env) throws Exception {
        Path dir = Files.createDirectories(env.cluster.dir.resolve("acl"));
        Path acl = dir.resolve("plain_acl.yml");
        Files.writeString(acl, RULES, StandardCharsets.UTF_8);
        int nsPort = Cluster.freePort(false);
        Path nsConf = dir.resolve("namesrv.properties");
        Files.writeString(nsConf, "listenPort=" + nsPort + "\nkvConfigPath=" + dir.resolve("kvConfig.json") + "\n");
        Cluster.Server ns = new Cluster.Server(List.of(env.cluster.bin.resolve("mqnamesrv").toString(), "-c", nsConf.toString()),
                dir.resolve("namesrv.log").toFile(), nsPort);
        int port = Cluster.freePort(true);
        Path store = dir.resolve("store");
        Path conf = dir.resolve("broker.conf");
        Files.writeString(conf, String.join("\n",
                "brokerClusterName=AclCluster",
                "brokerName=broker-acl",
                "brokerIP1=127.0.0.1",
                "listenPort=" + port,
                "namesrvAddr=127.0.0.1:" + nsPort,
                "storePathRootDir=" + store,
                "mappedFileSizeCommitLog=67108864",
                "mappedFileSizeConsumeQueue=60000",
                "maxHashSlotNum=5000",
                "maxIndexNum=20000",
                "diskMaxUsedSpaceRatio=99",
                "aclEnable=true",
                "aclFilePath=" + acl) + "\n", StandardCharsets.UTF_8);
        Cluster.Server broker = new Cluster.Server(List.of(env.cluster.bin.resolve("mqbroker").toString(), "-c", conf.toString()),
                dir.resolve("broker.log").toFile(), port);
        String namesrv = "127.0.0.1:" + nsPort;
        String brokerAddr = "127.0.0.1:" + port;
        ns.start();
        env.onCleanup(() -> {
            try {
                ns.stop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        broker.start();
        env.onCleanup(() -> {
            try {
                broker.stop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });

        // Topics, created by the admin account; a non-admin account may not.
        DefaultMQAdminExt admin = new DefaultMQAdminExt(hook("rocketmq2", "admin-secret"), 5000);
        admin.setNamesrvAddr(namesrv);
        admin.setInstanceName(env.name("acl-admin"));
        admin.start();
        env.onCleanup(admin::shutdown);
        for (String t : new String[] {"TopicAcl", "TopicAclDenied"}) {
            admin.createAndUpdateTopicConfig(brokerAddr, new TopicConfig(t, 2, 2, 6));
        }
        DefaultMQAdminExt notAdmin = new DefaultMQAdminExt(hook("producer1", "producer-secret"), 5000);
        notAdmin.setNamesrvAddr(namesrv);
        notAdmin.setInstanceName(env.name("acl-notadmin"));
        notAdmin.start();
        env.onCleanup(notAdmin::shutdown);
        refused(() -> notAdmin.createAndUpdateTopicConfig(brokerAddr, new TopicConfig("TopicAclNew", 2, 2, 6)),
                "Need admin permission for request code=17, but accessKey=producer1 is not");
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            try {
                admin.examineTopicRouteInfo("TopicAcl");
                admin.examineTopicRouteInfo("TopicAclDenied");
                break;
            } catch (Exception notYet) {
                Check.that(System.currentTimeMillis() < deadline, "the ACL topics' routes never appeared");
                Thread.sleep(100);
            }
        }

        DefaultMQProducer p = producer(env, namesrv, hook("producer1", "producer-secret"));
        List<Message> sent = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Message m = Env.msg("TopicAcl", "TagA", "acl-key-" + i, "acl-body-" + i);
            SendScenarios.checkResult(p.send(m));
            sent.add(m);
        }
        refused(() -> p.send(Env.msg("TopicAclDenied", "TagA", "k", "denied")),
                "No default permission for topic:TopicAclDenied");
        DefaultMQProducer wrong = producer(env, namesrv, hook("producer1", "wrong-secret"));
        refused(() -> wrong.send(Env.msg("TopicAcl", "TagA", "k", "wrong")),
                "Check signature failed for accessKey=producer1");
        DefaultMQProducer unknown = producer(env, namesrv, hook("nobody12", "whatever1"));
        refused(() -> unknown.send(Env.msg("TopicAcl", "TagA", "k", "unknown")),
                "No acl config for nobody12");

        // A signed push consumer (heartbeats, pulls, offset commits).
        Sink sink = new Sink();
        DefaultMQPushConsumer c = new DefaultMQPushConsumer(env.name("cg"), hook("producer1", "producer-secret"),
                new AllocateMessageQueueAveragely());
        c.setNamesrvAddr(namesrv);
        c.setInstanceName(env.name("inst"));
        c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        c.subscribe("TopicAcl", "*");
        c.setMessageListener(sink);
        c.start();
        env.onCleanup(c::shutdown);
        List<MessageExt> got = sink.await(sent.size(), 60);
        Check.sameMessages(sent, got);

        // Java's own mqadmin (4.9.x: 5.x dropped the ACL 1.0 commands), signing with
        // $ROCKETMQ_HOME/conf/tools.yml.
        if (!AdminScenarios.V5) {
            Path tools = Path.of(System.getProperty("rocketmq.home.dir")).resolve("conf").resolve("tools.yml");
            Files.writeString(tools, "accessKey: rocketmq2\nsecretKey: admin-secret\n", StandardCharsets.UTF_8);
            try {
                String out = AdminScenarios.mqadmin(env, "updateAclConfig", "-b", brokerAddr, "-a", "javaAdminMade",
                        "-s", "javaSecret1", "-t", "TopicAcl=SUB");
                Check.that(Files.readString(acl).contains("javaAdminMade"), "Java's mqadmin updateAclConfig: " + out);
                out = AdminScenarios.mqadmin(env, "clusterAclConfigVersion", "-b", brokerAddr);
                Check.that(out.contains("broker-acl") && out.contains("AclCluster"), "Java's mqadmin clusterAclConfigVersion: " + out);
                out = AdminScenarios.mqadmin(env, "deleteAclConfig", "-b", brokerAddr, "-a", "javaAdminMade");
                Check.that(!Files.readString(acl).contains("javaAdminMade"), "Java's mqadmin deleteAclConfig: " + out);
            } finally {
                Files.deleteIfExists(tools);
            }
        }
    }

    interface Call {
        void run() throws Exception;
    }

    /**
     * Runs {@code call}; expects the broker's ACL refusal naming {@code why}: an
     * SYSTEM_ERROR in an MQBrokerException (itself or the cause of the producer's "still
     * failed") or in the admin's MQClientException.
     */
    static void refused(Call call, String why) {
        try {
            call.run();
        } catch (Exception e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof MQBrokerException) {
                    MQBrokerException b = (MQBrokerException) t;
                    Check.equal(1, b.getResponseCode(), "response code of an ACL refusal (SYSTEM_ERROR)");
                    Check.that(b.getErrorMessage() != null && b.getErrorMessage().contains("AclException: " + why),
                            "refusal text: " + b.getErrorMessage());
                    return;
                }
            }
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof MQClientException && ((MQClientException) t).getResponseCode() == 1) {
                    String text = ((MQClientException) t).getErrorMessage();
                    Check.that(text != null && text.contains("AclException: " + why), "refusal text: " + text);
                    return;
                }
            }
            Check.that(false, "refusal of " + why + ": " + e);
        }
        Check.that(false, "not refused: " + why);
    }

    static DefaultMQProducer producer(Env env, String namesrv, RPCHook hook) throws Exception {
        DefaultMQProducer p = new DefaultMQProducer(env.name("pg"), hook);
        p.setNamesrvAddr(namesrv);
        p.setInstanceName(env.name("inst"));
        p.setSendMsgTimeout(10_000);
        p.setRetryTimesWhenSendFailed(0);
        p.start();
        env.onCleanup(p::shutdown);
        return p;
    }
}
