package org.cometmq.interop;

import java.util.List;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;

/**
 * Java's client over TLS. {@code setUseTLS(true)} is what {@code -Dtls.enable=true} sets (the
 * default of {@code ClientConfig.useTLS}), with Java's default trust
 * ({@code tls.test.mode.enable=true}: any server certificate). The cluster's NameServers and
 * brokers run CometMQ's defaults, which are Java's: {@code tls.server.mode=permissive} with
 * the test mode's self-signed certificate, so TLS and plaintext clients share the ports.
 */
final class TlsScenarios {
    private TlsScenarios() {
    }

    static void tlsEnable(Env env) throws Exception {
        String topic = env.topic("tls");
        DefaultMQProducer p = new DefaultMQProducer(env.name("pg"));
        p.setNamesrvAddr(env.cluster.namesrvAddr());
        p.setInstanceName(env.name("inst"));
        p.setSendMsgTimeout(10_000);
        p.setUseTLS(true);
        p.start();
        env.onCleanup(p::shutdown);
        List<Message> sent = SendScenarios.messages(topic, "tls", 16);
        for (Message m : sent) {
            SendScenarios.checkResult(p.send(m));
        }
        Sink sink = new Sink();
        DefaultMQPushConsumer c = new DefaultMQPushConsumer(env.name("cg"));
        c.setNamesrvAddr(env.cluster.namesrvAddr());
        c.setInstanceName(env.name("inst"));
        c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        c.setUseTLS(true);
        c.subscribe(topic, "*");
        c.setMessageListener(sink);
        c.start();
        env.onCleanup(c::shutdown);
        List<MessageExt> got = sink.await(sent.size(), 60);
        Check.sameMessages(sent, got);
        // A plaintext client on the same ports at the same time.
        SendScenarios.consumeAll(env, topic, sent, false);
    }
}
