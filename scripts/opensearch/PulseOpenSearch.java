/*
 * Single-node OpenSearch for Pulse's local/CI stack (scripts/stack up opensearch).
 *
 * Wraps org.codelibs.opensearch.runner.OpenSearchRunner (an embedded OpenSearch with the standard
 * modules loaded from the classpath: analysis-common, lang-painless, mapper-extras, parent-join,
 * reindex, transport-netty4, ...). The runner's own main() is not used because it exits 1 with no
 * message when anything fails (e.g. a taken port), silently moves to the next free HTTP port, and
 * caps HTTP ports at 9299.
 *
 * Usage (scripts/stack.d/opensearch.sh builds this once into a jar in the cache; Java's single-file
 * source launch, java -cp "<libs>/*" PulseOpenSearch.java ..., works too):
 *   java -cp "<launcher.jar>:<libs>/*" PulseOpenSearch --base DIR --http-port N --transport-port N
 *        [--cluster-name NAME] [--setting key=value]...
 * Layout under --base: config/ (opensearch.yml, log4j2.properties), data/, logs/, home/node_1/.
 * Runs until SIGTERM/SIGINT, then closes the node cleanly (exit status 143/130, as for any JVM
 * stopped by a signal). Exit codes otherwise: 1 when the node fails to start or closes by itself,
 * 2 on bad arguments, 3 when a port is taken. After logging is configured, OpenSearch sends
 * System.out/err to its loggers "stdout"/"stderr" (logs/pulse.log; WARN and up also on stdout).
 */

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.codelibs.opensearch.runner.OpenSearchRunner;
import org.opensearch.common.logging.LogConfigurator;

public final class PulseOpenSearch {
    private static final String HOST = "127.0.0.1";

    private static void log(final String msg) {
        System.out.println("[pulse-opensearch] " + msg);
        System.out.flush();
    }

    private static void fail(final int code, final String msg) {
        System.err.println("[pulse-opensearch] error: " + msg);
        System.err.flush();
        System.exit(code);
    }

    private static int parsePort(final String name, final String value) {
        try {
            final int p = Integer.parseInt(value);
            if (p >= 1 && p <= 65535) {
                return p;
            }
        } catch (final NumberFormatException e) {
            // fall through
        }
        fail(2, "invalid " + name + " '" + value + "'");
        return -1;
    }

    /** Fail with a clear message if something already listens on HOST:port. */
    private static void requirePortFree(final String what, final int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(HOST), port));
        } catch (final IOException e) {
            fail(3, what + " port " + HOST + ":" + port + " is already in use (" + e.getMessage() + ")");
        }
    }

    /** "Failed to bind to 127.0.0.1:19300 (BindException: Address already in use)" if that is why it failed. */
    private static String bindFailure(Throwable t) {
        String where = null;
        String why = null;
        for (int depth = 0; t != null && depth < 20; depth++, t = t.getCause()) {
            final String cls = t.getClass().getName();
            if (where == null && (cls.endsWith("BindTransportException") || cls.endsWith("BindHttpException"))) {
                where = t.getMessage();
            }
            if (t instanceof BindException) {
                why = "BindException: " + t.getMessage();
            }
        }
        if (where == null && why == null) {
            return null;
        }
        return where == null ? why : why == null ? where : where + " (" + why + ")";
    }

    private static String rootCause(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getName() + ": " + t.getMessage();
    }

    public static void main(final String[] args) throws Exception {
        String base = null;
        String clusterName = "pulse";
        int httpPort = -1;
        int transportPort = -1;
        final Map<String, String> extra = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            final String a = args[i];
            if (i + 1 >= args.length) {
                fail(2, "missing value for " + a);
            }
            final String v = args[++i];
            switch (a) {
                case "--base": base = v; break;
                case "--cluster-name": clusterName = v; break;
                case "--http-port": httpPort = parsePort("--http-port", v); break;
                case "--transport-port": transportPort = parsePort("--transport-port", v); break;
                case "--setting": {
                    final int eq = v.indexOf('=');
                    if (eq <= 0) {
                        fail(2, "--setting needs key=value, got '" + v + "'");
                    }
                    extra.put(v.substring(0, eq), v.substring(eq + 1));
                    break;
                }
                default: fail(2, "unknown argument " + a);
            }
        }
        if (base == null || httpPort < 0 || transportPort < 0) {
            fail(2, "usage: PulseOpenSearch --base DIR --http-port N --transport-port N [--cluster-name NAME] [--setting k=v]...");
        }
        if (httpPort == transportPort) {
            fail(2, "HTTP and transport ports must differ");
        }
        requirePortFree("HTTP", httpPort);
        requirePortFree("transport", transportPort);

        final Map<String, String> settings = new LinkedHashMap<>();
        settings.put("node.name", "pulse-opensearch");
        settings.put("network.host", HOST);
        settings.put("http.port", Integer.toString(httpPort));
        settings.put("transport.port", Integer.toString(transportPort));
        settings.put("discovery.type", "single-node");
        settings.put("node.roles", "cluster_manager,data,ingest");
        // A nearly full CI disk must not flip indices to read-only or leave shards unassigned.
        settings.put("cluster.routing.allocation.disk.threshold_enabled", "false");
        // No security plugin: the runner loads only the module classes it lists (no opensearch-security),
        // so HTTP is plain and unauthenticated. action.auto_create_index keeps its default (true).
        settings.putAll(extra);

        // What OpenSearch's own bootstrap does before it configures logging: without it, the
        // %node_name of log4j2.properties (which OpenSearch adds to any pattern with %marker) fails.
        LogConfigurator.setNodeName(settings.get("node.name"));

        final OpenSearchRunner runner = new OpenSearchRunner();
        // The runner probes "localhost" from baseHttpPort+1 up to maxHttpPort and silently moves on
        // when a port answers; -1 disables the probe (http.port is set explicitly anyway).
        runner.setMaxHttpPort(-1);
        runner.onBuild((index, builder) -> {
            for (final Map.Entry<String, String> e : settings.entrySet()) {
                if (e.getKey().equals("node.roles")) {
                    builder.putList(e.getKey(), Arrays.asList(e.getValue().split(",")));
                } else {
                    builder.put(e.getKey(), e.getValue());
                }
            }
        });

        final AtomicBoolean closed = new AtomicBoolean(false);
        final CountDownLatch stopped = new CountDownLatch(1);
        final Runnable close = () -> {
            if (closed.compareAndSet(false, true)) {
                try {
                    runner.close();
                } catch (final Exception e) {
                    System.err.println("[pulse-opensearch] error while closing: " + e);
                }
            }
        };
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log("shutting down");
            close.run();
            log("stopped");
            stopped.countDown();
        }, "pulse-opensearch-shutdown"));

        final List<String> argv = new ArrayList<>(Arrays.asList(OpenSearchRunner.newConfigs()
                .basePath(base + "/home")
                .numOfNode(1)
                .clusterName(clusterName)
                .baseHttpPort(httpPort - 1) // the runner uses baseHttpPort + node number
                .build()));
        argv.addAll(List.of("-confPath", base + "/config", "-dataPath", base + "/data", "-logsPath", base + "/logs"));

        final long t0 = System.nanoTime();
        log("starting OpenSearch (cluster " + clusterName + ", http " + HOST + ":" + httpPort
                + ", transport " + HOST + ":" + transportPort + ", data " + base + "/data)");
        try {
            runner.build(argv.toArray(new String[0]));
        } catch (final Throwable t) {
            final String bind = bindFailure(t);
            if (bind == null) {
                t.printStackTrace();
            } else {
                System.err.println("[pulse-opensearch] error: cannot bind a port: " + bind);
                close.run();
                Runtime.getRuntime().halt(3);
            }
            System.err.println("[pulse-opensearch] error: OpenSearch failed to start: " + rootCause(t));
            close.run();
            Runtime.getRuntime().halt(1);
        }
        log("node started in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms");

        // Run until SIGTERM (the shutdown hook closes the node) or until the node closes by itself.
        while (!stopped.await(5, TimeUnit.SECONDS)) {
            if (!closed.get() && runner.isClosed()) {
                System.err.println("[pulse-opensearch] error: the node closed unexpectedly");
                System.exit(1);
            }
        }
    }
}
