package io.sserouter.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sserouter.contract.RedisKeys;
import io.sserouter.system.fault.FaultStack;
import io.sserouter.system.fault.FaultStack.Scale;
import io.sserouter.system.fault.SseFollower;
import io.sserouter.system.fault.Workload;
import io.sserouter.testkit.ChildJvm;
import io.sserouter.testkit.RedisCluster;
import io.sserouter.testkit.RedisProcess;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.args.ClientType;
import redis.clients.jedis.params.ClientKillParams;

/**
 * The delivery promise under faults, end to end: a real broker, a real Redis, two topology instances and two edge
 * instances in their own JVMs, nginx balancing the edges, and EventSource-like clients following executions while a
 * producer keeps them coming ({@link FaultStack}). Then every client must hold every event of each of its executions
 * exactly once, in order, matching the Redis log and what was sent.
 *
 * <p>On a single Redis, each round kills a topology instance with {@code kill -9} and restarts it, stops an edge with
 * SIGTERM and restarts it, kills the other edge with {@code kill -9} and restarts it, makes one client stop reading
 * in the middle of a bulky execution, freezes Redis for seconds, and drops every Redis client connection. Scale: 200
 * clients following 5 executions each, one round of faults, by default; {@code -Dfault.suite=long} runs 400 clients,
 * 15 executions each and four rounds; {@code -Dfault.clients}, {@code -Dfault.executions.per.client} and
 * {@code -Dfault.rounds} set each figure.
 *
 * <p>On a Redis Cluster of 3 masters and 3 replicas, each round kills a master with {@code kill -9} (one the edges
 * subscribe to, so that their subscriber connections drop; its replica takes over) and restarts it, hands its
 * slots back to it with a manual failover, and moves the slots of an execution and of a user being followed to
 * another master while their events flow. Smaller: 40 clients following 3 executions each, one round
 * ({@code -Dfault.suite=long}: 200 clients, 10 executions each, three rounds).
 */
class FaultInjectionTest {
    private static final Path LOGS = Path.of("target", "fault-suite");
    private static final long ROUND_MILLIS = 80_000;
    private static final long LEAD_MILLIS = 10_000;
    private static final int BULKY_EVENTS = 80;
    private static final int BULKY_PAD = 100 * 1024;
    /** Long enough for a master's death and return, a failover and two slow slot moves, with pauses between. */
    private static final long CLUSTER_ROUND_MILLIS = 40_000;
    /**
     * Where in a cluster round the slots move: the second user-stream client's executions (one a second from 30 s into
     * the flow) are running then.
     */
    private static final long MIGRATION_AT_MILLIS = 32_000;

    private static boolean longRun() {
        return "long".equals(System.getProperty("fault.suite"));
    }

    private static Scale singleNodeScale() {
        return new Scale(Integer.getInteger("fault.clients", longRun() ? 400 : 200),
                Integer.getInteger("fault.executions.per.client", longRun() ? 15 : 5),
                Integer.getInteger("fault.rounds", longRun() ? 4 : 1));
    }

    private static Scale clusterScale() {
        return longRun() ? new Scale(200, 10, 3) : new Scale(40, 3, 1);
    }

    @Test
    void everyClientEndsWithEveryEventOfItsExecutionsExactlyOnceInOrderWhateverFails() throws Exception {
        Scale scale = singleNodeScale();
        // a stalled client is cut after 256 KiB rather than 1 MiB, so the bulky execution can stay a few MB
        Map<String, String> settings = Map.of("SSE_CLIENT_BUFFER_BYTES", String.valueOf(256 * 1024));
        try (RedisProcess redisServer = RedisProcess.start();
             Jedis redis = new Jedis(URI.create(redisServer.url()));
             FaultStack stack = new FaultStack("fault-", redisServer.url(), settings, LOGS)) {
            stack.start(scale.toString());
            long flowMillis = LEAD_MILLIS + scale.rounds() * ROUND_MILLIS;
            stack.plan(scale, LEAD_MILLIS, flowMillis);
            List<String> bulky = new ArrayList<>();
            for (int r = 0; r < scale.rounds(); r++) {
                bulky.add("fx-bulky-" + r);
            }
            // Two clients stop reading for 12 s in each bulky execution. Behind nginx, the kernel buffers between
            // nginx and the edge (autotuned up to tcp_rmem's maximum, tens of MB) absorb the backlog, so that
            // client only shows that a stall costs nothing; the one connected straight to an edge shows that the
            // edge cuts a stalled peer off at SSE_CLIENT_BUFFER_BYTES and that the client then resumes exactly.
            String admin = stack.tokens().admin("fu-watcher", Duration.ofHours(2));
            List<ChildJvm> edges = stack.edges();
            SseFollower slow = new SseFollower("127.0.0.1", edges.get(0).port(), admin, bulky, stack.deadline(), 4096, new SseFollower.Stall(3, 12_000));
            SseFollower slowBehindNginx = new SseFollower("127.0.0.1", stack.nginxPort(), admin, bulky, stack.deadline(), 4096, new SseFollower.Stall(3, 12_000));
            stack.follow(slow);
            stack.follow(slowBehindNginx);
            stack.startClients();

            long slowCuts = 0;
            for (int r = 0; r < scale.rounds(); r++) {
                stack.sleepUntil(LEAD_MILLIS / 2 + r * ROUND_MILLIS);
                stack.killAndRestart(stack.topologies().get(r % 2), 8_000, Duration.ofSeconds(120));
                Thread.sleep(3_000);

                ChildJvm graceful = edges.get(r % 2);
                stack.note("SIGTERM " + graceful.name());
                int exit = graceful.terminate(Duration.ofSeconds(30));
                assertTrue(exit == 0 || exit == 143, graceful.name() + " exit code on SIGTERM: " + exit);
                stack.note(graceful.name() + " exited with " + exit + "; restart");
                graceful.start().awaitReady(Duration.ofSeconds(60));
                stack.note(graceful.name() + " ready");
                Thread.sleep(4_000);

                stack.killAndRestart(edges.get((r + 1) % 2), 2_000, Duration.ofSeconds(60));
                Thread.sleep(3_000);

                stack.note("bulky execution " + bulky.get(r) + " (" + BULKY_EVENTS + " x " + BULKY_PAD / 1024 + " KiB) for two clients that stop reading for 12 s");
                stack.workload().sendBulky(new Workload.Planned(bulky.get(r), "fu-slow", 0), BULKY_EVENTS, BULKY_PAD);
                Thread.sleep(8_000);

                stack.note("freeze Redis (SIGSTOP) for 5 s");
                redisServer.freeze();
                Thread.sleep(5_000);
                redisServer.thaw();
                stack.note("thaw Redis");
                Thread.sleep(5_000);

                stack.note("CLIENT KILL TYPE normal, then TYPE pubsub");
                long killed = redis.clientKill(new ClientKillParams().type(ClientType.NORMAL));
                killed += redis.clientKill(new ClientKillParams().type(ClientType.PUBSUB));
                stack.note(killed + " Redis connections dropped");
                Thread.sleep(5_000);
                long cuts = edges.stream().mapToLong(e -> counter(e.metrics(), "sse_connections_rejected_total", "reason=\"slow_client\"")).sum();
                stack.note("slow-client cuts by the edges this round: " + cuts);
                slowCuts += cuts;
            }

            FaultStack.Result result = stack.finish(redis, Set.of(slow, slowBehindNginx), scale,
                    Map.of("stalled direct client cut off by the edge", slowCuts));
            String summary = result.summary();
            FaultStack.assertExact(result, scale.executions() + 2L * scale.rounds());
            assertTrue(slowCuts >= scale.rounds(), "the stalled client was cut off by an edge in every round\n" + summary);
            assertEquals(bulky, slow.followed().stream().map(f -> f.executionId).toList(), "the stalled client followed every bulky execution");
            for (SseFollower.Followed f : slow.followed()) {
                assertTrue(f.cutBeforeClose >= 1, f.executionId + ": the stalled client's stream ended before the close, then it resumed\n" + summary);
            }
            assertTrue(result.check().shutdownEvents > 0, "SIGTERM told open streams to reconnect\n" + summary);
        }
    }

    @Test
    void onARedisClusterEveryClientEndsExactWhenAMasterDiesFailsOverAndSlotsMove() throws Exception {
        Scale scale = clusterScale();
        try (RedisCluster cluster = RedisCluster.start();
             RedisClusterClient redis = RedisClusterClient.create(cluster.seeds());
             FaultStack stack = new FaultStack("faultc-", cluster.url(), Map.of(), LOGS.resolve("cluster"))) {
            stack.start("a Redis Cluster of 3 masters and 3 replicas; " + scale);
            long flowMillis = LEAD_MILLIS + scale.rounds() * CLUSTER_ROUND_MILLIS;
            stack.plan(scale, LEAD_MILLIS, flowMillis);
            stack.startClients();
            RedisKeys keys = stack.keys();
            Map<String, Object> rows = new LinkedHashMap<>();
            long moved = 0;
            for (int r = 0; r < scale.rounds(); r++) {
                long round = LEAD_MILLIS / 2 + r * CLUSTER_ROUND_MILLIS;
                stack.sleepUntil(round);
                String followed = stack.inFlight("execution").executionId();
                RedisProcess master = victim(cluster, cluster.masterOf(keys.execLog(followed)));
                stack.note("kill -9 the master on :" + master.port() + " (" + subscribers(master) + " pub/sub connections), "
                        + (master == cluster.masterOf(keys.execLog(followed)) ? "which holds " + followed : "while " + followed + " runs"));
                cluster.killMaster(master);
                stack.note("its replica on :" + cluster.masterOf(keys.execLog(followed)).port() + " took over");
                Thread.sleep(3_000);
                master.restart();
                cluster.awaitHealthy();
                stack.note("the old master on :" + master.port() + " is back, as a replica in sync");
                Thread.sleep(3_000);

                stack.note("CLUSTER FAILOVER on :" + master.port());
                cluster.failover(master);
                stack.note(":" + master.port() + " is a master again");
                Thread.sleep(3_000);

                stack.sleepUntil(round + MIGRATION_AT_MILLIS);
                String execution = stack.inFlight("execution").executionId();
                Workload.Planned ofUser = stack.inFlight("user");
                moved += migrate(stack, cluster, RedisCluster.slotOf(keys.execLog(execution)), "execution " + execution);
                moved += migrate(stack, cluster, RedisCluster.slotOf(keys.userLog(ofUser.userId())),
                        "user " + ofUser.userId() + ", whose " + ofUser.executionId() + " runs");
            }
            rows.put("cluster masters killed, failovers", scale.rounds() + ", " + scale.rounds());
            rows.put("slots moved, keys moved", 2 * scale.rounds() + ", " + moved);

            FaultStack.Result result = stack.finish(redis, Set.of(), scale, rows);
            FaultStack.assertExact(result, scale.executions());
        }
    }

    /**
     * The master to kill: the one holding the most pub/sub connections (the edges' subscribers), so that they drop and
     * the edges read the logs again; {@code otherwise} when no master holds more than the others.
     */
    private static RedisProcess victim(RedisCluster cluster, RedisProcess otherwise) {
        RedisProcess busiest = otherwise;
        for (RedisProcess master : cluster.masters()) {
            if (subscribers(master) > subscribers(busiest)) {
                busiest = master;
            }
        }
        return busiest;
    }

    private static long subscribers(RedisProcess node) {
        try (Jedis jedis = new Jedis(node.address())) {
            return jedis.clientList(ClientType.PUBSUB).lines().filter(line -> !line.isBlank()).count();
        }
    }

    /**
     * Moves a slot to another master one key every half second, so that its keys stay split between the two while
     * the execution's events flow; returns how many keys it held.
     */
    private static long migrate(FaultStack stack, RedisCluster cluster, int slot, String holding) {
        RedisProcess source = cluster.ownerOf(slot);
        RedisProcess target = cluster.masters().stream().filter(m -> m != source).findFirst().orElseThrow();
        long held;
        try (Jedis jedis = new Jedis(source.address())) {
            held = jedis.clusterCountKeysInSlot(slot);
        }
        stack.note("move slot " + slot + " (" + held + " keys, of " + holding + ") from :" + source.port() + " to :" + target.port());
        cluster.migrateSlot(slot, target, 1, Duration.ofMillis(500));
        stack.note("slot " + slot + " is on :" + target.port());
        return held;
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
}
