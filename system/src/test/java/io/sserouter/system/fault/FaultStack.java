package io.sserouter.system.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.sserouter.contract.RedisKeys;
import io.sserouter.system.docker.Nginx;
import io.sserouter.testkit.ChildJvm;
import io.sserouter.testkit.FreePorts;
import io.sserouter.testkit.Infra;
import io.sserouter.testkit.RunEnv;
import io.sserouter.testkit.Tokens;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import redis.clients.jedis.commands.JedisCommands;

/**
 * What every run of the fault suite stands on, whatever Redis it runs against: two topology instances and two edge
 * instances in their own JVMs (configured by environment variables, as deployed), nginx balancing the edges with the
 * stack's own configuration, a producer starting executions at planned moments, the clients that follow them, the
 * timeline of faults, and the final comparison of every client's view with Redis and with what was sent.
 */
public final class FaultStack implements AutoCloseable {
    /** Executions each set-stream and each user-stream client follows on its one connection. */
    public static final int EXECUTIONS_PER_SET = 4;
    /** Four JVMs beside the broker and Redis: small heaps, and no time spent on C2 compilation. */
    private static final List<String> JVM_OPTIONS = List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
    /** How long the clients may take after the last planned execution has started. */
    private static final Duration CLIENT_GRACE = Duration.ofMinutes(3);

    /** How many clients follow how many executions each, and how many rounds of faults they live through. */
    public record Scale(int clients, int executionsPerClient, int rounds) {
        /** One set-stream client, and one user-stream client, for every 20 single-stream clients, at least two of each. */
        public int setClients() {
            return Math.max(2, clients / 20);
        }

        /** Executions followed by the planned clients (single-stream, set-stream and user-stream). */
        public long executions() {
            return (long) clients * executionsPerClient + 2L * setClients() * EXECUTIONS_PER_SET;
        }
    }

    /** One planned execution and the kind of stream that follows it. */
    private record Plan(Workload.Planned execution, String kind) {
    }

    /** What a run ends with: the figures of every client together, of each kind of stream, and their table. */
    public record Result(DeliveryCheck check, String summary) {
    }

    private final String run;
    private final Path logs;
    private final Tokens tokens = Tokens.hs256();
    private final List<ChildJvm> topologies = new ArrayList<>();
    private final List<ChildJvm> edges = new ArrayList<>();
    private final Nginx nginx;
    private final Workload workload;
    private final List<SseFollower> followers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final List<Plan> plans = new ArrayList<>();
    private final List<String> timeline = new ArrayList<>();
    private final long started = System.nanoTime();
    private long origin;
    private long flowMillis;
    private long deadline;

    /**
     * The JVMs and nginx of a run named {@code run} (its topics, application id and key prefix) on {@code redisUrl},
     * not started yet; {@code settings} add to or replace the suite's own, and logs go to {@code logs}.
     */
    public FaultStack(String run, String redisUrl, Map<String, String> settings, Path logs) throws IOException {
        this.run = run;
        this.logs = logs;
        Files.createDirectories(logs);
        Map<String, String> env = RunEnv.of(run, redisUrl);
        env.put("SSE_CONSUMER_POOL_SIZE", "1");
        // the long run outlasts the default 300 s, and the check reads every execution's log at the end
        env.put("SSE_BUFFER_TTL_SECONDS", "3600");
        env.put("SSE_JWT_SECRET", tokens.secret());
        env.put("SSE_HEARTBEAT_SECONDS", "10");
        env.put("SSE_SHUTDOWN_GRACE_SECONDS", "6");
        // no per-user limit is raised: every client is its own user, one stream at a time, a few connects a minute
        env.putAll(settings);
        for (String name : List.of("topology-a", "topology-b")) {
            Map<String, String> own = new HashMap<>(env);
            own.put("KAFKA_STATE_DIR", RunEnv.of(run + name + "-").get("KAFKA_STATE_DIR"));
            own.put("SSE_INSTANCE_ID", name); // as an orchestrator names them: a restart rejoins as itself
            topologies.add(new ChildJvm(name, "io.sserouter.topology.Main", JVM_OPTIONS, own, FreePorts.any(), logs.resolve(name + ".log")));
        }
        for (String name : List.of("edge-1", "edge-2")) {
            edges.add(new ChildJvm(name, "io.sserouter.edge.Main", JVM_OPTIONS, env, FreePorts.any(), logs.resolve(name + ".log")));
        }
        nginx = Nginx.inFrontOf(edges.stream().map(ChildJvm::port).toList(), FreePorts.any());
        workload = new Workload(Infra.kafka().bootstrapServers(), run);
    }

    /** Starts nginx and the four JVMs and waits until they are ready; the timeline starts then. */
    public void start(String what) throws Exception {
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
        note("running: 2 topology JVMs, 2 edge JVMs, nginx on :" + nginx.port() + ", " + what);
    }

    /**
     * Plans the executions of {@code scale} over {@code flowMillis} from now and the clients that follow them
     * through nginx: single-stream clients, each its own user, following theirs one after another, evenly spread;
     * set-stream clients, each following a few executions of its user that start close together on one connection
     * ({@code GET /api/v1/events/executions?id=…}), resuming all of them by the composite id; user-stream clients,
     * each following every execution of its user on one connection ({@code GET /api/v1/events}), connected before
     * they start and resuming by the user log's id.
     */
    public void plan(Scale scale, long leadMillis, long flowMillis) {
        this.flowMillis = flowMillis;
        deadline = origin + flowMillis + CLIENT_GRACE.toMillis();
        double every = (double) flowMillis / (scale.clients() * scale.executionsPerClient());
        for (int c = 0; c < scale.clients(); c++) {
            String user = "fu" + c;
            List<String> ids = new ArrayList<>();
            for (int k = 0; k < scale.executionsPerClient(); k++) {
                ids.add(plan("fx-" + c + "-" + k, user, (long) ((k * scale.clients() + c) * every), "execution"));
            }
            follow(new SseFollower("127.0.0.1", nginx.port(), token(user), ids, deadline, 0, null));
        }
        int setClients = scale.setClients();
        long setSpan = flowMillis - leadMillis;
        for (int c = 0; c < setClients; c++) {
            String user = "fs" + c;
            long groupAt = leadMillis / 2 + c * setSpan / setClients;
            List<String> ids = new ArrayList<>();
            for (int k = 0; k < EXECUTIONS_PER_SET; k++) {
                ids.add(plan("fs-" + c + "-" + k, user, groupAt + k * 1_000L, "set"));
            }
            follow(SseFollower.ofSet("127.0.0.1", nginx.port(), token(user), ids, origin + groupAt - 2_000, deadline));
        }
        for (int c = 0; c < setClients; c++) {
            String user = "fw" + c;
            long groupAt = leadMillis / 2 + (c * setSpan + setSpan / 2) / setClients;
            List<String> ids = new ArrayList<>();
            for (int k = 0; k < EXECUTIONS_PER_SET; k++) {
                ids.add(plan("fw-" + c + "-" + k, user, groupAt + k * 1_000L, "user"));
            }
            follow(SseFollower.ofUser("127.0.0.1", nginx.port(), token(user), ids, origin + groupAt - 2_000, deadline));
        }
    }

    private String plan(String id, String user, long startAtMillis, String kind) {
        Workload.Planned execution = new Workload.Planned(id, user, startAtMillis);
        workload.plan(execution, origin);
        plans.add(new Plan(execution, kind));
        return id;
    }

    private String token(String user) {
        return tokens.user(user, Duration.ofHours(2));
    }

    /** Adds a client of the run's own; it starts with the others. */
    public void follow(SseFollower follower) {
        followers.add(follower);
    }

    /** Starts every client, each on its own thread. */
    public void startClients() {
        for (SseFollower follower : followers) {
            Thread thread = new Thread(follower, "sse-client");
            thread.setDaemon(true);
            thread.start();
            threads.add(thread);
        }
    }

    /**
     * The execution followed on a stream of this kind ({@code execution}, {@code set} or {@code user}) that started
     * last, at least a second ago: its first events are in Redis and, as an execution's events take a few seconds,
     * more are on their way.
     */
    public Workload.Planned inFlight(String kind) {
        long now = System.currentTimeMillis() - origin - 1_000;
        return plans.stream().filter(p -> p.kind().equals(kind) && p.execution().startAtMillis() <= now)
                .map(Plan::execution).reduce((a, b) -> b.startAtMillis() >= a.startAtMillis() ? b : a)
                .orElseThrow(() -> new IllegalStateException("no " + kind + " execution has started yet"));
    }

    /**
     * Waits until every planned event is sent and every client is done, then compares each client's view with Redis
     * ({@code redis}) and with what was sent; {@code untimed} clients (those that stall on purpose) count for
     * everything but the delays. The summary, with {@code rows} of the run's own, is printed and written with the
     * timeline to {@code summary.txt}.
     */
    public Result finish(JedisCommands redis, Set<SseFollower> untimed, Scale scale, Map<String, Object> rows) throws Exception {
        workload.awaitAllSent(flowMillis + 60_000);
        note("producer done: " + workload.totalSent() + " events");
        for (Thread thread : threads) {
            thread.join(Math.max(1, deadline - System.currentTimeMillis()));
        }
        note("clients done");
        assertNull(workload.failure(), "the producer's sends succeeded");

        RedisKeys keys = new RedisKeys(run);
        DeliveryCheck check = new DeliveryCheck();
        Map<String, DeliveryCheck> byKind = new LinkedHashMap<>();
        for (SseFollower follower : followers) {
            boolean timed = !untimed.contains(follower);
            check.add(follower, workload, redis, keys, timed);
            byKind.computeIfAbsent(follower.kind(), k -> new DeliveryCheck()).add(follower, workload, redis, keys, timed);
        }
        long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();
        String summary = summary(scale, check, rows, seconds, !untimed.isEmpty()) + byKind(byKind, !untimed.isEmpty());
        System.out.println(summary);
        List<String> lines;
        synchronized (timeline) {
            lines = List.copyOf(timeline);
        }
        Files.writeString(logs.resolve("summary.txt"), summary + "\n" + String.join("\n", lines) + "\n");
        return new Result(check, summary);
    }

    /** Every client ended exact: nothing lost, repeated or out of order, every execution closed at its client. */
    public static void assertExact(Result result, long executions) {
        DeliveryCheck check = result.check();
        assertEquals(List.of(), check.problems.stream().limit(30).toList(), result.summary());
        assertEquals(0, check.lost, result.summary());
        assertEquals(0, check.repeated, result.summary());
        assertEquals(0, check.outOfOrder, result.summary());
        assertEquals(executions, check.executionsClosed, result.summary());
    }

    public Workload workload() {
        return workload;
    }

    public Tokens tokens() {
        return tokens;
    }

    public List<ChildJvm> topologies() {
        return topologies;
    }

    public List<ChildJvm> edges() {
        return edges;
    }

    public int nginxPort() {
        return nginx.port();
    }

    public long deadline() {
        return deadline;
    }

    public RedisKeys keys() {
        return new RedisKeys(run);
    }

    /** Sleeps until {@code millis} after the start of the timeline. */
    public void sleepUntil(long millis) throws InterruptedException {
        long wait = origin + millis - System.currentTimeMillis();
        if (wait > 0) {
            Thread.sleep(wait);
        }
    }

    /** kill -9, down for {@code downMillis}, then started again and ready. */
    public void killAndRestart(ChildJvm jvm, long downMillis, Duration ready) throws Exception {
        note("kill -9 " + jvm.name());
        jvm.kill();
        Thread.sleep(downMillis);
        note("restart " + jvm.name());
        jvm.start().awaitReady(ready);
        note(jvm.name() + " ready");
    }

    /** A line of the fault timeline, printed now and written with the summary. */
    public void note(String what) {
        String line = String.format("%7.1f s  %s", (System.currentTimeMillis() - origin) / 1000.0, what);
        synchronized (timeline) {
            timeline.add(line);
        }
        System.out.println(line);
    }

    /** The main figures again for each kind of stream the clients follow. */
    private static String byKind(Map<String, DeliveryCheck> checks, boolean stalling) {
        StringBuilder out = new StringBuilder("\nBy kind of stream" + (stalling ? " (the two stalling clients follow execution streams)" : "") + "\n");
        String row = "| %-10s | %10s | %8s | %8s | %10s | %6s | %8s | %12s |%n";
        out.append(String.format(row, "stream", "executions", "sent", "received", "reconnects", "lost", "repeated", "out of order"));
        out.append(String.format(row, "-".repeat(10), "-".repeat(10), "-".repeat(8), "-".repeat(8), "-".repeat(10), "-".repeat(6), "-".repeat(8), "-".repeat(12)));
        checks.forEach((kind, c) -> out.append(String.format(row, kind, c.executions, c.eventsSent, c.eventsDelivered, c.reconnects,
                c.lost, c.repeated, c.outOfOrder)));
        return out.toString();
    }

    private static String summary(Scale scale, DeliveryCheck check, Map<String, Object> rows, long seconds, boolean stalling) {
        StringBuilder out = new StringBuilder("\nFault suite summary\n");
        String row = "| %-44s | %12s |%n";
        out.append(String.format(row, "figure", "value"));
        out.append(String.format(row, "-".repeat(44), "-".repeat(12)));
        out.append(String.format(row, stalling ? "clients (+2 that stall)" : "clients", scale.clients()));
        out.append(String.format(row, "set-stream clients (" + EXECUTIONS_PER_SET + " executions each)", scale.setClients()));
        out.append(String.format(row, "user-stream clients (" + EXECUTIONS_PER_SET + " executions each)", scale.setClients()));
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
        rows.forEach((name, value) -> out.append(String.format(row, name, value)));
        out.append(String.format(row, "longest silence within an execution (ms)" + (stalling ? " *" : ""), check.longestSilenceMillis));
        out.append(String.format(row, "send-to-receive delay p50 / p99 (ms)" + (stalling ? " *" : ""), check.delayPercentile(0.5) + " / " + check.delayPercentile(0.99)));
        out.append(String.format(row, "send-to-receive delay max (ms)" + (stalling ? " *" : ""), check.longestDelayMillis));
        out.append(String.format(row, "fault rounds", scale.rounds()));
        out.append(String.format(row, "duration (s)", seconds));
        if (stalling) {
            out.append("* not counting the two clients that stall on purpose\n");
        }
        if (!check.problems.isEmpty()) {
            out.append("problems (first 30):\n");
            check.problems.stream().limit(30).forEach(p -> out.append("  ").append(p).append('\n'));
        }
        return out.toString();
    }

    @Override
    public void close() throws Exception {
        followers.forEach(SseFollower::stop);
        edges.forEach(ChildJvm::close);
        topologies.forEach(ChildJvm::close);
        workload.close();
        nginx.close();
    }
}
