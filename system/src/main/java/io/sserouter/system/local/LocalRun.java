package io.sserouter.system.local;

import io.sserouter.edge.EdgeApp;
import io.sserouter.edge.EdgeSettings;
import io.sserouter.testkit.FreePorts;
import io.sserouter.testkit.KafkaBroker;
import io.sserouter.testkit.RedisProcess;
import io.sserouter.testkit.Tokens;
import io.sserouter.topology.TopologyApp;
import io.sserouter.topology.TopologySettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The whole product on this machine, in one process: a real KRaft broker, a real Redis, the topology, the edge
 * and a demo producer. Ctrl-C stops everything and removes every temporary file.
 */
public final class LocalRun {
    private LocalRun() {
    }

    public static void main(String[] args) throws Exception {
        Path stateDir = Files.createTempDirectory("sse-router-local-");
        System.out.println("Starting a Kafka broker and Redis ...");
        java.io.PrintStream out = System.out;
        System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream())); // the broker's format chatter
        KafkaBroker kafka;
        try {
            kafka = KafkaBroker.start();
        } finally {
            System.setOut(out);
        }
        RedisProcess redis = RedisProcess.start(FreePorts.preferredOrAny(6379));
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        env.put("KAFKA_STATE_DIR", stateDir.toString());
        env.put("REDIS_URL", redis.url());
        env.putIfAbsent("SSE_PARTITIONS", "8");
        env.putIfAbsent("SSE_CONSUMER_POOL_SIZE", "2");
        env.put("SSE_HTTP_PORT", String.valueOf(FreePorts.preferredOrAny(8081)));
        TopologyApp topology = TopologyApp.start(TopologySettings.fromEnv(env));
        topology.awaitRunning(Duration.ofSeconds(60));
        Tokens tokens = Tokens.hs256();
        Map<String, String> edgeEnv = new HashMap<>(env);
        edgeEnv.put("SSE_HTTP_PORT", String.valueOf(FreePorts.preferredOrAny(8080)));
        edgeEnv.putIfAbsent("SSE_JWT_SECRET", tokens.secret());
        EdgeApp edge = EdgeApp.start(EdgeSettings.fromEnv(edgeEnv));
        DemoProducer demo = new DemoProducer(kafka.bootstrapServers());
        demo.start(1_000);

        String admin = tokens.admin("demo-admin", Duration.ofHours(24));
        Map<String, String> userTokens = new HashMap<>();
        DemoProducer.USERS.forEach(user -> userTokens.put(user, tokens.user(user, Duration.ofHours(24))));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("\nStopping ...");
            demo.close();
            edge.close();
            topology.close();
            redis.close();
            kafka.close();
            delete(stateDir);
            System.out.println("Stopped.");
            stopped.countDown();
        }, "local-stop"));

        System.out.printf("""

                sse-router is running locally (Ctrl-C stops everything):
                  Kafka broker      %s
                  Redis             %s
                  topology          http://localhost:%d/health/ready   http://localhost:%d/metrics
                  edge              http://localhost:%d/health/ready   http://localhost:%d/metrics
                  demo producer     a new execution every second for users %s

                Demo page (as alice: her executions arrive live; valid 24 h):
                  %s

                Demo token (admin, reads every execution; valid 24 h):
                  export TOKEN=%s

                Follow one execution (the latest id is printed below every 10 s):
                  curl -N "http://localhost:%d/api/v1/events/executions/EXECUTION_ID?token=$TOKEN"
                  curl -N -H "Last-Event-ID: 3" "http://localhost:%d/api/v1/events/executions/EXECUTION_ID?token=$TOKEN"
                  curl -H "Authorization: Bearer $TOKEN" http://localhost:%d/api/v1/executions/EXECUTION_ID/status

                """, kafka.bootstrapServers(), redis.url(), topology.httpPort(), topology.httpPort(), edge.port(), edge.port(),
                DemoProducer.USERS, pageUrl(edge.port(), userTokens.get(DemoProducer.USERS.get(0))), admin, edge.port(), edge.port(), edge.port());
        if (edgeEnv.get("SSE_JWT_SECRET").equals(tokens.secret())) {
            for (String user : DemoProducer.USERS) {
                System.out.printf("  token of %s (reads only %s's executions): %s%n", user, user, userTokens.get(user));
            }
            System.out.println();
            for (String user : DemoProducer.USERS.subList(1, DemoProducer.USERS.size())) {
                System.out.printf("  demo page as %s: %s%n", user, pageUrl(edge.port(), userTokens.get(user)));
            }
            System.out.println();
        }
        while (stopped.getCount() > 0) {
            Thread.sleep(10_000);
            System.out.printf("  %d executions (latest %s), %d events produced; %d open streams; %s%n", demo.executions(), demo.latest(), demo.events(), edge.openStreams(),
                    topology.scrape().lines().filter(l -> l.startsWith("sse_router_events_processed_total{kind=\"execution\"}"))
                            .findFirst().map(l -> "topology sequenced " + (long) Double.parseDouble(l.split(" ")[1])).orElse("topology starting"));
        }
    }

    /** The demo page with a user's token: it follows every execution of that user on the user's stream. */
    private static String pageUrl(int port, String token) {
        return "http://localhost:" + port + "/?token=" + token;
    }

    private static void delete(Path dir) {
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }
}
