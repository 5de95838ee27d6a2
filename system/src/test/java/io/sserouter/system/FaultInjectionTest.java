package io.sserouter.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sserouter.contract.RedisKeys;
import io.sserouter.system.docker.Nginx;
import io.sserouter.system.fault.DeliveryCheck;
import io.sserouter.system.fault.SseFollower;
import io.sserouter.system.fault.Workload;
import io.sserouter.testkit.ChildJvm;
import io.sserouter.testkit.FreePorts;
import io.sserouter.testkit.Infra;
import io.sserouter.testkit.RedisProcess;
import io.sserouter.testkit.RunEnv;
import io.sserouter.testkit.Tokens;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.args.ClientType;
import redis.clients.jedis.params.ClientKillParams;

/**
 * The delivery promise under faults, end to end: a real broker, a real Redis, two topology instances and two edge
 * instances in their own JVMs, nginx balancing the edges, and EventSource-like clients following executions while a
 * producer keeps them coming. In each round it kills a topology instance with {@code kill -9} and restarts it,
 * stops an edge with SIGTERM and restarts it, kills the other edge with {@code kill -9} and restarts it, makes one
 * client stop reading in the middle of a bulky execution, freezes Redis for seconds, and drops every Redis client
 * connection. Then every client must hold every event of each of its executions exactly once, in order, matching
 * the Redis log and what was sent.
 *
 * <p>Scale: 200 clients following 5 executions each, one round of faults, by default;
 * {@code -Dfault.suite=long} runs 400 clients, 15 executions each and four rounds; {@code -Dfault.clients},
 * {@code -Dfault.executions.per.client} and {@code -Dfault.rounds} set each figure.
 */
class FaultInjectionTest {
    private static final long ROUND_MILLIS = 80_000;
    private static final long LEAD_MILLIS = 10_000;
    private static final int BULKY_EVENTS = 80;
    private static final int BULKY_PAD = 100 * 1024;
    /** Four JVMs beside the broker and Redis: small heaps, and no time spent on C2 compilation. */
    private static final List<String> JVM_OPTIONS = List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
    /** Executions each set-stream client follows on its one connection. */
    private static final int EXECUTIONS_PER_SET = 4;

    private final List<String> timeline = new ArrayList<>();
    private long origin;

    record Scale(int clients, int executionsPerClient, int rounds) {
        static Scale fromProperties() {
            boolean longRun = "long".equals(System.getProperty("fault.suite"));
            return new Scale(Integer.getInteger("fault.clients", longRun ? 400 : 200),
                    Integer.getInteger("fault.executions.per.client", longRun ? 15 : 5),
                    Integer.getInteger("fault.rounds", longRun ? 4 : 1));
        }
    }

    /** One set-stream client, and one user-stream client, for every 20 single-stream clients, at least two of each. */
    private static int setClients(Scale scale) {
        return Math.max(2, scale.clients() / 20);
    }

    /** kill -9, down for {@code downMillis}, then started again and ready. */
    private void killAndRestart(ChildJvm jvm, long downMillis, Duration ready) throws Exception {
        note("kill -9 " + jvm.name());
        jvm.kill();
        Thread.sleep(downMillis);
        note("restart " + jvm.name());
        jvm.start().awaitReady(ready);
        note(jvm.name() + " ready");
    }

    private void note(String what) {
        String line = String.format("%7.1f s  %s", (System.currentTimeMillis() - origin) / 1000.0, what);
        synchronized (timeline) {
            timeline.add(line);
        }
        System.out.println(line);
    }

    @Test
    void everyClientEndsWithEveryEventOfItsExecutionsExactlyOnceInOrderWhateverFails() throws Exception {
        Scale scale = Scale.fromProperties();
        String run = "fault-";
        Path logs = Path.of("target", "fault-suite");
        Files.createDirectories(logs);
        Tokens tokens = Tokens.hs256();
        long started = System.nanoTime();

        try (RedisProcess redisServer = RedisProcess.start();
             Jedis redis = new Jedis(URI.create(redisServer.url()))) {
            RedisKeys keys = new RedisKeys(run);
            Map<String, String> env = RunEnv.of(run, redisServer.url());
            env.put("SSE_CONSUMER_POOL_SIZE", "1");
            // the long run outlasts the default 300 s, and the check reads every execution's log at the end
            env.put("SSE_BUFFER_TTL_SECONDS", "3600");
            env.put("SSE_JWT_SECRET", tokens.secret());
            env.put("SSE_HEARTBEAT_SECONDS", "10");
            env.put("SSE_SHUTDOWN_GRACE_SECONDS", "6");
            // a stalled client is cut after 256 KiB rather than 1 MiB, so the bulky execution can stay a few MB
            env.put("SSE_CLIENT_BUFFER_BYTES", String.valueOf(256 * 1024));
            // no per-user limit is raised: every client is its own user, one stream at a time, a few connects a minute

            List<ChildJvm> topologies = new ArrayList<>();
            List<ChildJvm> edges = new ArrayList<>();
            for (String name : List.of("topology-a", "topology-b")) {
                Map<String, String> own = new HashMap<>(env);
                own.put("KAFKA_STATE_DIR", RunEnv.of(run + name + "-").get("KAFKA_STATE_DIR"));
                own.put("SSE_INSTANCE_ID", name); // as an orchestrator names them: a restart rejoins as itself
                topologies.add(new ChildJvm(name, "io.sserouter.topology.Main", JVM_OPTIONS, own, FreePorts.any(), logs.resolve(name + ".log")));
            }
            for (String name : List.of("edge-1", "edge-2")) {
                edges.add(new ChildJvm(name, "io.sserouter.edge.Main", JVM_OPTIONS, env, FreePorts.any(), logs.resolve(name + ".log")));
            }
            List<SseFollower> followers = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            try (Nginx nginx = Nginx.inFrontOf(edges.stream().map(ChildJvm::port).toList(), FreePorts.any());
                 Workload workload = new Workload(Infra.kafka().bootstrapServers(), run)) {
                nginx.start();
                topologies.forEach(ChildJvm::start);
                edges.forEach(ChildJvm::start);
                for (ChildJvm jvm : topologies) {
                    jvm.awaitReady(Duration.ofSeconds(120));
                }
                for (ChildJvm jvm : edges) {
                    jvm.awaitReady(Duration.ofSeconds(60));
                }
                origin = System.currentTimeMillis();
                note("running: 2 topology JVMs, 2 edge JVMs, nginx on :" + nginx.port() + "; " + scale);

                long flowMillis = LEAD_MILLIS + scale.rounds() * ROUND_MILLIS;
                int total = scale.clients() * scale.executionsPerClient();
                double every = (double) flowMillis / total;
                long deadline = origin + flowMillis + Duration.ofMinutes(3).toMillis();
                for (int c = 0; c < scale.clients(); c++) {
                    String user = "fu" + c;
                    List<String> ids = new ArrayList<>();
                    for (int k = 0; k < scale.executionsPerClient(); k++) {
                        String id = "fx-" + c + "-" + k;
                        ids.add(id);
                        workload.plan(new Workload.Planned(id, user, (long) ((k * scale.clients() + c) * every)), origin);
                    }
                    followers.add(new SseFollower("127.0.0.1", nginx.port(), tokens.user(user, Duration.ofHours(2)), ids, deadline, 0, null));
                }
                // Set-stream clients: each follows a few executions of its user that start close together on one
                // connection (GET /api/v1/events/executions?id=…), resuming all of them by the composite id.
                int setClients = setClients(scale);
                long setSpan = flowMillis - LEAD_MILLIS;
                for (int c = 0; c < setClients; c++) {
                    String user = "fs" + c;
                    long groupAt = LEAD_MILLIS / 2 + c * setSpan / setClients;
                    List<String> ids = new ArrayList<>();
                    for (int k = 0; k < EXECUTIONS_PER_SET; k++) {
                        String id = "fs-" + c + "-" + k;
                        ids.add(id);
                        workload.plan(new Workload.Planned(id, user, groupAt + k * 1_000L), origin);
                    }
                    followers.add(SseFollower.ofSet("127.0.0.1", nginx.port(), tokens.user(user, Duration.ofHours(2)), ids,
                            origin + groupAt - 2_000, deadline));
                }
                // User-stream clients: each follows every execution of its user on one connection (GET /api/v1/events),
                // connected before they start, resuming by the user log's id.
                for (int c = 0; c < setClients; c++) {
                    String user = "fw" + c;
                    long groupAt = LEAD_MILLIS / 2 + (c * setSpan + setSpan / 2) / setClients;
                    List<String> ids = new ArrayList<>();
                    for (int k = 0; k < EXECUTIONS_PER_SET; k++) {
                        String id = "fw-" + c + "-" + k;
                        ids.add(id);
                        workload.plan(new Workload.Planned(id, user, groupAt + k * 1_000L), origin);
                    }
                    followers.add(SseFollower.ofUser("127.0.0.1", nginx.port(), tokens.user(user, Duration.ofHours(2)), ids,
                            origin + groupAt - 2_000, deadline));
                }
                List<String> bulky = new ArrayList<>();
                for (int r = 0; r < scale.rounds(); r++) {
                    bulky.add("fx-bulky-" + r);
                }
                // Two clients stop reading for 12 s in each bulky execution. Behind nginx, the kernel buffers between
                // nginx and the edge (autotuned up to tcp_rmem's maximum, tens of MB) absorb the backlog, so that
                // client only shows that a stall costs nothing; the one connected straight to an edge shows that the
                // edge cuts a stalled peer off at SSE_CLIENT_BUFFER_BYTES and that the client then resumes exactly.
                String admin = tokens.admin("fu-watcher", Duration.ofHours(2));
                SseFollower slow = new SseFollower("127.0.0.1", edges.get(0).port(), admin, bulky, deadline, 4096, new SseFollower.Stall(3, 12_000));
                SseFollower slowBehindNginx = new SseFollower("127.0.0.1", nginx.port(), admin, bulky, deadline, 4096, new SseFollower.Stall(3, 12_000));
                followers.add(slow);
                followers.add(slowBehindNginx);
                for (SseFollower follower : followers) {
                    Thread thread = new Thread(follower, "sse-client");
                    thread.setDaemon(true);
                    thread.start();
                    threads.add(thread);
                }

                long slowCuts = 0;
                for (int r = 0; r < scale.rounds(); r++) {
                    sleepUntil(origin + LEAD_MILLIS / 2 + r * ROUND_MILLIS);
                    killAndRestart(topologies.get(r % 2), 8_000, Duration.ofSeconds(120));
                    Thread.sleep(3_000);

                    ChildJvm graceful = edges.get(r % 2);
                    note("SIGTERM " + graceful.name());
                    int exit = graceful.terminate(Duration.ofSeconds(30));
                    assertTrue(exit == 0 || exit == 143, graceful.name() + " exit code on SIGTERM: " + exit);
                    note(graceful.name() + " exited with " + exit + "; restart");
                    graceful.start().awaitReady(Duration.ofSeconds(60));
                    note(graceful.name() + " ready");
                    Thread.sleep(4_000);

                    killAndRestart(edges.get((r + 1) % 2), 2_000, Duration.ofSeconds(60));
                    Thread.sleep(3_000);

                    note("bulky execution " + bulky.get(r) + " (" + BULKY_EVENTS + " x " + BULKY_PAD / 1024 + " KiB) for two clients that stop reading for 12 s");
                    workload.sendBulky(new Workload.Planned(bulky.get(r), "fu-slow", 0), BULKY_EVENTS, BULKY_PAD);
                    Thread.sleep(8_000);

                    note("freeze Redis (SIGSTOP) for 5 s");
                    redisServer.freeze();
                    Thread.sleep(5_000);
                    redisServer.thaw();
                    note("thaw Redis");
                    Thread.sleep(5_000);

                    note("CLIENT KILL TYPE normal, then TYPE pubsub");
                    long killed = redis.clientKill(new ClientKillParams().type(ClientType.NORMAL));
                    killed += redis.clientKill(new ClientKillParams().type(ClientType.PUBSUB));
                    note(killed + " Redis connections dropped");
                    Thread.sleep(5_000);
                    long cuts = edges.stream().mapToLong(e -> counter(e.metrics(), "sse_connections_rejected_total", "reason=\"slow_client\"")).sum();
                    note("slow-client cuts by the edges this round: " + cuts);
                    slowCuts += cuts;
                }

                workload.awaitAllSent(flowMillis + 60_000);
                note("producer done: " + workload.totalSent() + " events");
                for (Thread thread : threads) {
                    thread.join(Math.max(1, deadline - System.currentTimeMillis()));
                }
                note("clients done");
                assertNull(workload.failure(), "the producer's sends succeeded");

                DeliveryCheck check = new DeliveryCheck();
                Map<String, DeliveryCheck> byKind = new java.util.LinkedHashMap<>();
                for (SseFollower follower : followers) {
                    boolean timed = follower != slow && follower != slowBehindNginx;
                    check.add(follower, workload, redis, keys, timed);
                    byKind.computeIfAbsent(follower.kind(), k -> new DeliveryCheck()).add(follower, workload, redis, keys, timed);
                }
                long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();
                String summary = summary(scale, check, slowCuts, seconds, slow) + byKind(byKind);
                System.out.println(summary);
                Files.writeString(logs.resolve("summary.txt"), summary + "\n" + String.join("\n", timeline) + "\n");

                assertEquals(List.of(), check.problems.stream().limit(30).toList(), summary);
                assertEquals(0, check.lost, summary);
                assertEquals(0, check.repeated, summary);
                assertEquals(0, check.outOfOrder, summary);
                assertEquals(total + 2L * setClients * EXECUTIONS_PER_SET + 2L * scale.rounds(), check.executionsClosed, summary);
                assertTrue(slowCuts >= scale.rounds(), "the stalled client was cut off by an edge in every round\n" + summary);
                assertEquals(bulky, slow.followed().stream().map(f -> f.executionId).toList(), "the stalled client followed every bulky execution");
                for (SseFollower.Followed f : slow.followed()) {
                    assertTrue(f.cutBeforeClose >= 1, f.executionId + ": the stalled client's stream ended before the close, then it resumed\n" + summary);
                }
                assertTrue(check.shutdownEvents > 0, "SIGTERM told open streams to reconnect\n" + summary);
            } finally {
                followers.forEach(SseFollower::stop);
                edges.forEach(ChildJvm::close);
                topologies.forEach(ChildJvm::close);
            }
        }
    }

    /** The main figures again for each kind of stream the clients follow. */
    private static String byKind(Map<String, DeliveryCheck> checks) {
        StringBuilder out = new StringBuilder("\nBy kind of stream (the two stalling clients follow execution streams)\n");
        String row = "| %-10s | %10s | %8s | %8s | %10s | %6s | %8s | %12s |%n";
        out.append(String.format(row, "stream", "executions", "sent", "received", "reconnects", "lost", "repeated", "out of order"));
        out.append(String.format(row, "-".repeat(10), "-".repeat(10), "-".repeat(8), "-".repeat(8), "-".repeat(10), "-".repeat(6), "-".repeat(8), "-".repeat(12)));
        checks.forEach((kind, c) -> out.append(String.format(row, kind, c.executions, c.eventsSent, c.eventsDelivered, c.reconnects,
                c.lost, c.repeated, c.outOfOrder)));
        return out.toString();
    }

    private static String summary(Scale scale, DeliveryCheck check, long slowCuts, long seconds, SseFollower slow) {
        StringBuilder out = new StringBuilder("\nFault suite summary\n");
        String row = "| %-44s | %12s |%n";
        out.append(String.format(row, "figure", "value"));
        out.append(String.format(row, "-".repeat(44), "-".repeat(12)));
        out.append(String.format(row, "clients (+2 that stall)", scale.clients()));
        out.append(String.format(row, "set-stream clients (" + EXECUTIONS_PER_SET + " executions each)", setClients(scale)));
        out.append(String.format(row, "user-stream clients (" + EXECUTIONS_PER_SET + " executions each)", setClients(scale)));
        out.append(String.format(row, "executions followed", check.executions));
        out.append(String.format(row, "executions closed at the client", check.executionsClosed));
        out.append(String.format(row, "events sent", check.eventsSent));
        out.append(String.format(row, "events delivered", check.eventsDelivered));
        out.append(String.format(row, "lost", check.lost));
        out.append(String.format(row, "repeated", check.repeated));
        out.append(String.format(row, "out of order", check.outOfOrder));
        out.append(String.format(row, "not matching the Redis log", check.mismatched));
        out.append(String.format(row, "reconnects (all clients)", check.reconnects));
        out.append(String.format(row, "reconnects of the busiest client", check.maxReconnectsOfOneClient));
        out.append(String.format(row, "answers other than 200 (503/502, retried)", check.refused));
        out.append(String.format(row, "streams ended before the close (resumed)", check.cutBeforeClose));
        out.append(String.format(row, "shutdown events received", check.shutdownEvents));
        out.append(String.format(row, "stalled direct client cut off by the edge", slowCuts));
        out.append(String.format(row, "longest silence within an execution (ms) *", check.longestSilenceMillis));
        out.append(String.format(row, "send-to-receive delay p50 / p99 (ms) *", check.delayPercentile(0.5) + " / " + check.delayPercentile(0.99)));
        out.append(String.format(row, "send-to-receive delay max (ms) *", check.longestDelayMillis));
        out.append(String.format(row, "fault rounds", scale.rounds()));
        out.append(String.format(row, "duration (s)", seconds));
        out.append("* not counting the two clients that stall on purpose\n");
        if (!check.problems.isEmpty()) {
            out.append("problems (first 30):\n");
            check.problems.stream().limit(30).forEach(p -> out.append("  ").append(p).append('\n'));
        }
        return out.toString();
    }

    /** The value of one Prometheus counter line, 0 when absent. */
    static long counter(String metrics, String name, String label) {
        Matcher m = Pattern.compile("^" + Pattern.quote(name) + "\\{[^}]*" + Pattern.quote(label) + "[^}]*\\} ([0-9.eE+]+)$", Pattern.MULTILINE)
                .matcher(metrics);
        long total = 0;
        while (m.find()) {
            total += (long) Double.parseDouble(m.group(1));
        }
        return total;
    }

    private static void sleepUntil(long millis) throws InterruptedException {
        long wait = millis - System.currentTimeMillis();
        if (wait > 0) {
            Thread.sleep(wait);
        }
    }
}
