package org.cometmq.interop;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.trace.TraceContext;
import org.apache.rocketmq.client.trace.TraceDataEncoder;
import org.apache.rocketmq.client.trace.TraceType;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.MessageExt;

/**
 * Message traces both ways: the Java client's records ({@code enableMsgTrace=true}) read by
 * CometMQ's {@code mqadmin queryMsgTraceById}, and CometMQ's client's records (written by
 * {@code mqbench --msg-trace}) read by Java's {@code TraceDataEncoder} and Java's mqadmin.
 */
final class TraceScenarios {
    private static final String TRACE_TOPIC = "RMQ_SYS_TRACE_TOPIC";

    private TraceScenarios() {
    }

    /** Runs one of CometMQ's tools and returns what it printed; fails on a non-zero exit. */
    private static String ours(Env env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(env.cluster.bin.resolve(args[0]).toString());
        for (int i = 1; i < args.length; i++) {
            cmd.add(args[i]);
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " did not finish");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        Check.that(p.exitValue() == 0, String.join(" ", cmd) + " failed:\n" + out);
        return out;
    }

    /** Java's producer with traces on; our mqadmin shows its Pub record. */
    static void javaProducerTracesReadByOurMqadmin(Env env) throws Exception {
        javaTraces(env, false);
    }

    /** Java's producer and consumer with traces on; our mqadmin shows the Sub records too. */
    static void javaConsumerTracesReadByOurMqadmin(Env env) throws Exception {
        javaTraces(env, true);
    }

    private static void javaTraces(Env env, boolean consumer) throws Exception {
        String topic = env.topic("trace");
        String pg = env.name("tracepg");
        String cg = env.name("tracecg");
        DefaultMQProducer p = new DefaultMQProducer(pg, true, null);
        p.setNamesrvAddr(env.cluster.namesrvAddr());
        p.setInstanceName(env.name("inst"));
        p.start();
        env.onCleanup(p::shutdown);
        SendResult sent = p.send(Env.msg(topic, "TagT", env.name("tracekey"), "traced by java"));
        Sink sink = new Sink();
        DefaultMQPushConsumer c = new DefaultMQPushConsumer(cg, true, null);
        c.setNamesrvAddr(env.cluster.namesrvAddr());
        c.setInstanceName(env.name("inst"));
        c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        c.subscribe(topic, "*");
        c.setMessageListener(sink);
        c.start();
        env.onCleanup(c::shutdown);
        Check.that(!sink.await(1, 60).isEmpty(), "the traced message was not consumed");
        long deadline = System.currentTimeMillis() + 60_000;
        String out = "";
        while (System.currentTimeMillis() < deadline) {
            out = ours(env, "mqadmin", "queryMsgTraceById", "-n", env.cluster.namesrvAddr(), "-i", sent.getMsgId());
            if (out.contains(pg) && (!consumer || out.contains(cg))) {
                break;
            }
            Thread.sleep(500);
        }
        Check.that(out.contains("Pub") && out.contains(pg), "no Pub record of " + pg + ":\n" + out);
        Check.that(!consumer || out.contains("Sub") && out.contains(cg), "no Sub record of " + cg + ":\n" + out
                + "\ntrace messages keyed " + sent.getMsgId() + ":\n" + traceBodies(env, sent.getMsgId()));
        Check.that(out.contains("success"), "no successful event:\n" + out);
    }

    /** The bodies of the trace messages keyed {@code key}, readable, for a failure message. */
    private static String traceBodies(Env env, String key) {
        StringBuilder sb = new StringBuilder();
        try {
            for (MessageExt m : env.admin.queryMessage(TRACE_TOPIC, key, 64, 0, Long.MAX_VALUE).getMessageList()) {
                sb.append(new String(m.getBody(), StandardCharsets.UTF_8).replace('\u0001', '|').replace('\u0002', '\n')).append('\n');
            }
        } catch (Exception e) {
            sb.append(e);
        }
        return sb.toString();
    }

    /** Our client's Pub records, decoded by Java's TraceDataEncoder and Java's mqadmin. */
    static void ourTracesReadByJava(Env env) throws Exception {
        String topic = env.topic("trace");
        String pg = env.name("ourtracepg");
        ours(env, "mqbench", "producer", "-n", env.cluster.namesrvAddr(), "-t", topic, "-q", "5",
                "-w", "1", "-k", "--msg-trace", "--producer-group", pg);
        long deadline = System.currentTimeMillis() + 60_000;
        TraceContext found = null;
        while (found == null && System.currentTimeMillis() < deadline) {
            List<MessageExt> msgs = new ArrayList<>();
            try {
                msgs = env.admin.queryMessage(TRACE_TOPIC, "mqbench-0-0", 64, 0, Long.MAX_VALUE).getMessageList();
            } catch (org.apache.rocketmq.client.exception.MQClientException notYet) {
                // 5.x: "query message by key finished, but no message" until the records land
            }
            for (MessageExt m : msgs) {
                for (TraceContext ctx : TraceDataEncoder.decoderFromTraceDataString(new String(m.getBody(), StandardCharsets.UTF_8))) {
                    if (ctx.getTraceType() == TraceType.Pub && "mqbench-0-0".equals(ctx.getTraceBeans().get(0).getKeys())) {
                        found = ctx;
                    }
                }
            }
            if (found == null) {
                Thread.sleep(500);
            }
        }
        Check.that(found != null, "no Pub record keyed mqbench-0-0 in " + TRACE_TOPIC);
        Check.that(found.getGroupName().equals(pg), "group " + found.getGroupName());
        Check.that(found.isSuccess(), "Pub record not a success");
        Check.that(found.getTraceBeans().get(0).getTopic().equals(topic), "topic " + found.getTraceBeans().get(0).getTopic());
        Check.that(found.getTraceBeans().get(0).getOffsetMsgId().length() == 32, "offset id " + found.getTraceBeans().get(0).getOffsetMsgId());
        String msgId = found.getTraceBeans().get(0).getMsgId();
        String out = AdminScenarios.mqadmin(env, "queryMsgTraceById", "-i", msgId);
        Check.that(out.contains("Pub") && out.contains(pg), "Java's mqadmin queryMsgTraceById:\n" + out);
    }
}
