package org.cometmq.interop;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.rocketmq.common.MQVersion;

/**
 * The Java scenario matrix: starts CometMQ's NameServers and brokers, runs every scenario
 * with this classpath's RocketMQ client, prints {@code PASS}/{@code FAIL} per scenario and a
 * final {@code N passed, N failed} line, and appends {@code client<TAB>scenario<TAB>result}
 * rows to the results file.
 *
 * <p>Usage: {@code java -Dcometmq.bin=DIR [-Dinterop.results=FILE] [-Dinterop.only=a,b]
 * org.cometmq.interop.Interop}
 */
public final class Interop {
    interface Scenario {
        void run(Env env) throws Exception;
    }

    private Interop() {
    }

    static Map<String, Scenario> scenarios() {
        Map<String, Scenario> s = new LinkedHashMap<>();
        s.put("send-sync", SendScenarios::sync);
        s.put("send-async", SendScenarios::async);
        s.put("send-oneway", SendScenarios::oneway);
        s.put("send-batch", SendScenarios::batch);
        s.put("body-over-4KiB", SendScenarios::bigBody);
        s.put("keys-tags-filter", SendScenarios::tagFilter);
        s.put("ordered-selector-orderly", ConsumeScenarios::ordered);
        s.put("push-clustering", ConsumeScenarios::clustering);
        s.put("push-broadcasting", ConsumeScenarios::broadcasting);
        s.put("lite-pull-subscribe", ConsumeScenarios::litePullSubscribe);
        s.put("lite-pull-assign", ConsumeScenarios::litePullAssign);
        s.put("retry-then-dlq", ReliabilityScenarios::retryThenDlq);
        s.put("delay-levels", ReliabilityScenarios::delayLevels);
        s.put("transactions", ReliabilityScenarios::transactions);
        s.put("query-key-msgid-offsetid", ReliabilityScenarios::queries);
        s.put("sql92-selector", FeatureScenarios::sql92);
        s.put("request-reply", FeatureScenarios::requestReply);
        s.put("acl-signed-clients", AclScenarios::signedClients);
        if (FeatureScenarios.compressionSupported()) {
            s.put("compression-lz4-zstd", FeatureScenarios::compression);
        }
        if (PopScenarios.supported()) {
            s.put("pop-consumption", PopScenarios::popConsumption);
        }
        if (TimerScenarios.supported()) {
            s.put("timer-deliver-time", TimerScenarios::deliverTime);
        }
        s.put("traces-java-producer-to-our-mqadmin", TraceScenarios::javaProducerTracesReadByOurMqadmin);
        // RocketMQ 5.5.0's push consumer writes no trace records here (not understood yet;
        // docs/COMPATIBILITY.md): the scenario runs with 4.9.8.
        if (!AdminScenarios.V5) {
            s.put("traces-java-consumer-to-our-mqadmin", TraceScenarios::javaConsumerTracesReadByOurMqadmin);
        }
        s.put("traces-our-client-to-java", TraceScenarios::ourTracesReadByJava);
        // Before the failure scenarios: after namesrv-lost one NameServer is gone, and a 5.x
        // push consumer's start fails when the route lookup picks it.
        s.put("tls-enable", TlsScenarios::tlsEnable);
        AdminScenarios.Fixture[] fixture = new AdminScenarios.Fixture[1];
        for (String command : AdminScenarios.names()) {
            s.put("mqadmin " + command, AdminScenarios.command(command, fixture));
        }
        s.put("mqadmin (clients stopped)", env -> AdminScenarios.tearDown(fixture));
        s.put("java-broker-in-cluster", MixedScenarios::javaBrokerInCluster);
        s.put("offsets-across-restart", FailureScenarios::offsetsAcrossRestart);
        s.put("two-groups-one-stopped", FailureScenarios::oneBrokerGroupStopped);
        s.put("namesrv-lost", FailureScenarios::namesrvLost);
        return s;
    }

    public static void main(String[] args) throws Exception {
        String client = "java-" + MQVersion.getVersionDesc(MQVersion.CURRENT_VERSION).replace("V", "").replace('_', '.');
        Path bin = Path.of(System.getProperty("cometmq.bin", "target/debug"));
        String only = System.getProperty("interop.only", "");
        String results = System.getProperty("interop.results", "");
        Path dir = Files.createTempDirectory("cometmq-interop-java-");
        // mqadmin 4.9.x reads $ROCKETMQ_HOME/conf/logback_tools.xml (it ships only in the
        // distribution zip) and does nothing without it.
        Path conf = Files.createDirectories(dir.resolve("rocketmq-home").resolve("conf"));
        Files.writeString(conf.resolve("logback_tools.xml"),
                "<configuration><root level=\"OFF\"/></configuration>\n");
        System.setProperty("rocketmq.home.dir", dir.resolve("rocketmq-home").toString());
        AdminScenarios.refuseExit();
        int passed = 0;
        int failed = 0;
        ExecutorService exec = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "scenario");
            t.setDaemon(true);
            return t;
        });
        System.out.println(client + ": CometMQ from " + bin.toAbsolutePath() + ", logs in " + dir);
        try (Cluster cluster = new Cluster(bin, dir, String.join("\n",
                "messageDelayLevel=" + ReliabilityScenarios.messageDelayLevel(),
                "transactionTimeOut=1000",
                "transactionCheckInterval=1000",
                "enablePropertyFilter=true",
                "traceTopicEnable=true"))) {
            cluster.start();
            Env env = new Env(cluster);
            waitForBrokers(env);
            for (Map.Entry<String, Scenario> e : scenarios().entrySet()) {
                if (!only.isEmpty() && !java.util.Arrays.asList(only.split(",")).contains(e.getKey())) {
                    continue;
                }
                long start = System.nanoTime();
                String outcome;
                Future<?> f = exec.submit(() -> {
                    e.getValue().run(env);
                    return null;
                });
                try {
                    f.get(180, TimeUnit.SECONDS);
                    outcome = null;
                } catch (TimeoutException t) {
                    f.cancel(true);
                    outcome = "timed out after 180 s";
                } catch (java.util.concurrent.ExecutionException t) {
                    outcome = describe(t.getCause());
                } finally {
                    env.cleanup();
                }
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                if (outcome == null) {
                    passed++;
                    System.out.printf("PASS %s %s (%d ms)%n", client, e.getKey(), ms);
                } else {
                    failed++;
                    System.out.printf("FAIL %s %s (%d ms): %s%n", client, e.getKey(), ms, outcome);
                }
                System.out.flush();
                if (!results.isEmpty()) {
                    Files.writeString(Path.of(results), client + "\t" + e.getKey() + "\t" + (outcome == null ? "pass" : "FAIL: " + outcome.lines().findFirst().orElse("")) + "\n",
                            StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                }
            }
            env.admin.shutdown();
        }
        if (failed == 0) {
            deleteTree(dir);
        } else {
            System.out.println(client + ": servers' logs and stores kept in " + dir);
        }
        System.out.printf("%s: %d passed, %d failed%n", client, passed, failed);
        System.exit(failed == 0 ? 0 : 1);
    }

    private static void waitForBrokers(Env env) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            try {
                var info = env.admin.examineBrokerClusterInfo();
                if (info.getBrokerAddrTable().size() == 2) {
                    return;
                }
            } catch (Exception notYet) {
                // the NameServer has no cluster yet
            }
            Check.that(System.currentTimeMillis() < deadline, "brokers never registered");
            Thread.sleep(100);
        }
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static String describe(Throwable t) {
        if (t instanceof AssertionError) {
            return t.getMessage();
        }
        StringWriter sw = new StringWriter();
        t.printStackTrace(new PrintWriter(sw));
        String[] lines = sw.toString().split("\n");
        return String.join("\n    ", java.util.Arrays.copyOf(lines, Math.min(lines.length, 8)));
    }
}
