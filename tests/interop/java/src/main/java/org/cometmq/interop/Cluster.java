package org.cometmq.interop;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * CometMQ's own NameServers and brokers as child processes (the debug or release binaries
 * {@code mqnamesrv} and {@code mqbroker}), on free loopback ports with temporary stores.
 * Two NameServers and two broker groups ({@code broker-a}, {@code broker-b}), so that the
 * scenarios can lose one of each.
 */
final class Cluster implements AutoCloseable {
    final Path bin;
    final Path dir;
    final Server[] namesrvs = new Server[2];
    final Server[] brokers = new Server[2];
    final int[] nsPorts = new int[2];
    final int[] brokerPorts = new int[2];
    static final String[] BROKER_NAMES = {"broker-a", "broker-b"};
    static final String CLUSTER = "DefaultCluster";

    /** A child process with the command line that started it, so it can be restarted. */
    static final class Server {
        final List<String> cmd;
        final File log;
        final int port;
        Process process;

        Server(List<String> cmd, File log, int port) {
            this.cmd = cmd;
            this.log = log;
            this.port = port;
        }

        void start() throws Exception {
            start(30);
        }

        /** Starts the process and waits up to {@code seconds} for it to listen. */
        void start(int seconds) throws Exception {
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.redirectErrorStream(true);
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log));
            pb.environment().putIfAbsent("RUST_LOG", "info");
            process = pb.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException(cmd.get(0) + " exited with " + process.exitValue() + "; see " + log);
                }
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                    return;
                } catch (IOException notYet) {
                    Thread.sleep(50);
                }
            }
            throw new IllegalStateException(cmd.get(0) + " did not listen on " + port + "; see " + log);
        }

        /** SIGTERM and wait: the server's own shutdown runs (offsets and configs saved). */
        void stop() throws InterruptedException {
            if (process != null && process.isAlive()) {
                process.destroy();
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                }
            }
        }
    }

    Cluster(Path bin, Path dir, String extraBrokerConf) throws Exception {
        this.bin = bin;
        this.dir = dir;
        for (int i = 0; i < 2; i++) {
            nsPorts[i] = freePort(false);
            Path conf = dir.resolve("namesrv-" + i + ".properties");
            Files.writeString(conf, "listenPort=" + nsPorts[i] + "\n"
                    + "kvConfigPath=" + dir.resolve("ns-" + i).resolve("kvConfig.json") + "\n"
                    + "configStorePath=" + dir.resolve("ns-" + i).resolve("namesrv.properties") + "\n");
            namesrvs[i] = new Server(List.of(bin.resolve("mqnamesrv").toString(), "-c", conf.toString()),
                    dir.resolve("namesrv-" + i + ".log").toFile(), nsPorts[i]);
        }
        for (int i = 0; i < 2; i++) {
            brokerPorts[i] = freePort(true);
            Path store = dir.resolve("store-" + BROKER_NAMES[i]);
            Path conf = dir.resolve(BROKER_NAMES[i] + ".conf");
            Files.writeString(conf, String.join("\n",
                    "brokerClusterName=" + CLUSTER,
                    "brokerName=" + BROKER_NAMES[i],
                    "brokerId=0",
                    "brokerIP1=127.0.0.1",
                    "listenPort=" + brokerPorts[i],
                    "namesrvAddr=" + namesrvAddr(),
                    "storePathRootDir=" + store,
                    "storePathCommitLog=" + store.resolve("commitlog"),
                    // Small files: the defaults (1 GiB CommitLog, 6 MB per ConsumeQueue file, a
                    // 420 MB IndexFile) would cost gigabytes per run.
                    "mapedFileSizeCommitLog=67108864",
                    "mapedFileSizeConsumeQueue=60000",
                    "maxHashSlotNum=5000",
                    "maxIndexNum=20000",
                    "diskMaxUsedSpaceRatio=99",
                    "autoCreateTopicEnable=true",
                    "autoCreateSubscriptionGroup=true",
                    extraBrokerConf) + "\n", StandardCharsets.UTF_8);
            brokers[i] = new Server(List.of(bin.resolve("mqbroker").toString(), "-c", conf.toString()),
                    dir.resolve(BROKER_NAMES[i] + ".log").toFile(), brokerPorts[i]);
        }
    }

    void start() throws Exception {
        for (Server s : namesrvs) {
            s.start();
        }
        for (Server s : brokers) {
            s.start();
        }
    }

    String namesrvAddr() {
        return "127.0.0.1:" + nsPorts[0] + ";127.0.0.1:" + nsPorts[1];
    }

    String brokerAddr(int i) {
        return "127.0.0.1:" + brokerPorts[i];
    }

    @Override
    public void close() throws Exception {
        List<Exception> errors = new ArrayList<>();
        for (Server s : brokers) {
            try {
                s.stop();
            } catch (Exception e) {
                errors.add(e);
            }
        }
        for (Server s : namesrvs) {
            try {
                s.stop();
            } catch (Exception e) {
                errors.add(e);
            }
        }
        if (!errors.isEmpty()) {
            throw errors.get(0);
        }
    }

    /**
     * A free loopback port. For a broker, listenPort-2 (the "VIP" fast channel, which Java
     * producers use by default) and listenPort+1 must be free as well.
     */
    static int freePort(boolean broker) throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            if (!broker || (port > 1100 && isFree(port - 2) && isFree(port + 1))) {
                return port;
            }
        }
        throw new IOException("no free port");
    }

    private static boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
