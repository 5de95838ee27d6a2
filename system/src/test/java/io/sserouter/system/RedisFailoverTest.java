package io.sserouter.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sserouter.contract.Json;
import io.sserouter.contract.RedisKeys;
import io.sserouter.edge.EdgeApp;
import io.sserouter.edge.EdgeSettings;
import io.sserouter.testkit.ExecutionScenario;
import io.sserouter.testkit.Infra;
import io.sserouter.testkit.RedisCluster;
import io.sserouter.testkit.RedisProcess;
import io.sserouter.testkit.RedisSentinelGroup;
import io.sserouter.testkit.RunEnv;
import io.sserouter.testkit.Tokens;
import io.sserouter.testkit.sse.SseClient;
import io.sserouter.topology.TopologyApp;
import io.sserouter.topology.TopologySettings;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.RedisSentinelClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.resps.StreamEntry;

/**
 * A Redis Cluster master killed with {@code kill -9} mid-stream, at the worst moment: its replica is cut off (frozen
 * with SIGSTOP, its replication link closed) while the topology writes, so the master holds writes its replica never
 * got; then the master dies, the replica takes over, and the old master comes back as the new one's replica. With
 * the topology waiting for a replica's acknowledgement, those writes never counted as done and are written again to
 * the new master: every execution's log ends up exactly 1..n, and an SSE client of each (reconnecting by
 * Last-Event-ID whenever its stream ends, as EventSource does) receives exactly that. Without
 * the wait, the topology's second safeguard repairs the same loss: once it finds Redis failing it sends its last
 * acknowledged writes again. With both off, the same kill loses them. A Sentinel group's master killed mid-stream
 * loses nothing either.
 */
class RedisFailoverTest {
    private static final Tokens TOKENS = Tokens.hs256();
    /** One thread per reading client: they all wait at once, for the whole stream. */
    private static final ExecutorService READERS = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "sse-reader");
        thread.setDaemon(true);
        return thread;
    });
    private static final int EXECUTIONS = 12;
    /** Enough for the takeover and the old master's return, which the topology's writes wait for with the safeguard. */
    private static final Duration WAIT = Duration.ofSeconds(120);
    /**
     * How long a client connected from the start may wait for its last event: with the safeguard on, writes are held
     * back from the moment the replica is cut off until the restarted old master has synced as the new master's
     * replica, which took up to two minutes on a loaded machine.
     */
    private static final Duration CLIENT_WAIT = Duration.ofMinutes(5);

    @Test
    void aKilledMasterLosesNothingWhenWritesWaitForItsReplica() throws Exception {
        assertExact(killMasterMidStream("rfo-on-", Map.of("SSE_REDIS_WAIT_REPLICAS", "1"), true));
    }

    @Test
    void aKilledMasterLosesNothingWithoutWaitingWhenTheTopologySendsItsLastWritesAgain() throws Exception {
        // the replica safeguard off, the resend of the last acknowledged writes at its default
        assertExact(killMasterMidStream("rfo-resend-", Map.of("SSE_REDIS_WAIT_REPLICAS", "0"), true));
    }

    @Test
    void withoutEitherSafeguardTheSameKillLosesEvents() throws Exception {
        Map<String, List<Long>> logs = killMasterMidStream("rfo-off-", Map.of("SSE_REDIS_WAIT_REPLICAS", "0", "SSE_REDIS_RESEND_SECONDS", "0"), false);
        int size = ExecutionScenario.completed("").size();
        List<Long> exact = LongStream.rangeClosed(1, size).boxed().toList();
        assertFalse(logs.values().stream().allMatch(exact::equals), "some log lost the writes of the killed master: " + logs);
    }

    private static void assertExact(Map<String, List<Long>> logs) {
        int size = ExecutionScenario.completed("").size();
        logs.forEach((id, seqs) -> assertEquals(LongStream.rangeClosed(1, size).boxed().toList(), seqs, "the log of " + id));
    }

    @Test
    void aSentinelGroupsKilledMasterLosesNothing() throws Exception {
        try (RedisSentinelGroup group = RedisSentinelGroup.start()) {
            String run = "rfo-sen-";
            Map<String, String> env = env(run, group.url());
            ExecutionScenario scenario = ExecutionScenario.completed(run);
            int size = scenario.size();
            RedisKeys keys = new RedisKeys(run);
            List<String> ids = ids("s-");
            try (TopologyApp topology = TopologyApp.start(TopologySettings.fromEnv(env));
                 EdgeApp edge = EdgeApp.start(EdgeSettings.fromEnv(env));
                 KafkaProducer<String, byte[]> producer = producer();
                 RedisSentinelClient redis = RedisSentinelClient.builder().masterName(RedisSentinelGroup.MASTER_NAME)
                         .sentinels(group.sentinels().stream().map(RedisProcess::address).collect(Collectors.toCollection(LinkedHashSet::new)))
                         .build()) {
                assertTrue(topology.awaitRunning(WAIT));
                Map<String, CompletableFuture<List<Long>>> received = follow(edge, ids, size);
                send(producer, scenario, ids, 0, 3);
                await("every execution has 3 events in Redis", () -> ids.stream().allMatch(id -> lastSeq(redis, keys, id) >= 3));
                group.killMaster();
                send(producer, scenario, ids, 3, size);
                await("every execution's last event is in Redis", () -> ids.stream().allMatch(id -> lastSeq(redis, keys, id) == size));
                List<Long> exact = LongStream.rangeClosed(1, size).boxed().toList();
                for (String id : ids) {
                    assertEquals(exact, received.get(id).get(CLIENT_WAIT.toSeconds(), TimeUnit.SECONDS), "what the client of " + id + " received");
                    assertEquals(exact, redis.xrange(keys.execLog(id), "-", "+").stream().map(e -> e.getID().getTime()).toList(), "the log of " + id);
                }
            }
        }
    }

    /** One topology and one edge on {@code redisUrl}, one stream thread, one client per execution (all alice's). */
    private static Map<String, String> env(String run, String redisUrl) {
        Map<String, String> env = RunEnv.of(run, redisUrl);
        env.put("SSE_JWT_SECRET", TOKENS.secret());
        env.put("SSE_MAX_CONNECTIONS_PER_USER", String.valueOf(EXECUTIONS));
        env.put("SSE_CONSUMER_POOL_SIZE", "1");
        return env;
    }

    private static List<String> ids(String prefix) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < EXECUTIONS; i++) {
            ids.add(prefix + i);
        }
        return ids;
    }

    /** An SSE client of each execution, connected from now on, reading until its last seq: what each received. */
    private static Map<String, CompletableFuture<List<Long>>> follow(EdgeApp edge, List<String> ids, int size) throws InterruptedException {
        Map<String, CompletableFuture<List<Long>>> received = new LinkedHashMap<>();
        for (String id : ids) {
            String url = "http://127.0.0.1:" + edge.port() + "/api/v1/events/executions/" + id;
            received.put(id, CompletableFuture.supplyAsync(() -> read(url, size), READERS));
        }
        Thread.sleep(500); // connected before the first event
        return received;
    }

    /**
     * Runs the executions across the kill; returns the seqs of each execution's log on the cluster afterwards. With
     * {@code clients}, an edge relays each execution to an SSE client connected from the start, which must receive
     * every event exactly once, in order, across the takeover.
     */
    private static Map<String, List<Long>> killMasterMidStream(String run, Map<String, String> safeguards, boolean clients) throws Exception {
        try (RedisCluster cluster = RedisCluster.start()) {
            Map<String, String> env = env(run, cluster.url());
            env.putAll(safeguards);
            ExecutionScenario scenario = ExecutionScenario.completed(run);
            int size = scenario.size();
            RedisKeys keys = new RedisKeys(run);
            List<String> ids = ids("x-");
            try (TopologyApp topology = TopologyApp.start(TopologySettings.fromEnv(env));
                 EdgeApp edge = EdgeApp.start(EdgeSettings.fromEnv(env));
                 KafkaProducer<String, byte[]> producer = producer();
                 RedisClusterClient redis = RedisClusterClient.create(cluster.seeds())) {
                assertTrue(topology.awaitRunning(WAIT));
                Map<String, CompletableFuture<List<Long>>> received = clients ? follow(edge, ids, size) : new LinkedHashMap<>();
                send(producer, scenario, ids, 0, 3);
                await("every execution has 3 events in Redis", () -> ids.stream().allMatch(id -> lastSeq(redis, keys, id) >= 3));

                RedisProcess master = cluster.masterOf(keys.execLog(ids.get(0)));
                List<String> onMaster = ids.stream().filter(id -> cluster.masterOf(keys.execLog(id)) == master).toList();
                RedisProcess replica = cluster.replicaOf(master);
                replica.freeze();
                try (Jedis direct = new Jedis(master.address())) {
                    // a frozen replica still receives into its socket buffer: the link must be closed too
                    direct.sendCommand(Protocol.Command.CLIENT, "KILL", "TYPE", "replica");
                    send(producer, scenario, ids, 3, 6);
                    await("the master holds events 4 to 6 that its cut-off replica lacks",
                            () -> onMaster.stream().allMatch(id -> seqOf(direct.get(keys.execStatus(id))) >= 6));
                }
                master.kill();
                replica.thaw();
                cluster.awaitTakeover();
                master.restart();
                cluster.awaitHealthy();

                send(producer, scenario, ids, 6, size);
                await("every execution's last event is in Redis", () -> ids.stream().allMatch(id -> lastSeq(redis, keys, id) == size));
                for (Map.Entry<String, CompletableFuture<List<Long>>> client : received.entrySet()) {
                    assertEquals(LongStream.rangeClosed(1, size).boxed().toList(), client.getValue().get(CLIENT_WAIT.toSeconds(), TimeUnit.SECONDS),
                            "what the client of " + client.getKey() + " received");
                }
                Map<String, List<Long>> logs = new LinkedHashMap<>();
                for (String id : ids) {
                    logs.put(id, redis.xrange(keys.execLog(id), "-", "+").stream().map(StreamEntry::getID).map(e -> e.getTime()).toList());
                }
                return logs;
            }
        }
    }

    private static List<Long> read(String url, int stopAfter) {
        // reconnecting as EventSource does: a stream whose read of Redis fails mid-takeover ends, and resumes by Last-Event-ID
        try (SseClient client = SseClient.to(URI.create(url)).bearer(TOKENS.user("alice", Duration.ofMinutes(10))).start(CLIENT_WAIT)) {
            return client.await(stopAfter, CLIENT_WAIT).stream().filter(e -> e.id() != null).map(e -> Long.parseLong(e.id())).toList();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void send(KafkaProducer<String, byte[]> producer, ExecutionScenario scenario, List<String> ids, int from, int to)
            throws Exception {
        for (int step = from; step < to; step++) {
            for (String id : ids) {
                producer.send(scenario.event(id, "alice", step).record()).get();
            }
        }
    }

    /** The snapshot's last seq, 0 when there is none or the cluster cannot answer right now (mid-failover). */
    private static long lastSeq(UnifiedJedis redis, RedisKeys keys, String id) {
        try {
            return seqOf(redis.get(keys.execStatus(id)));
        } catch (JedisException e) {
            return 0;
        }
    }

    private static long seqOf(String snapshot) {
        return snapshot == null ? 0 : Json.read(snapshot, JsonNode.class).get("last_seq").asLong();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("gave up waiting until " + what);
            }
            Thread.sleep(100);
        }
    }

    private static KafkaProducer<String, byte[]> producer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, Infra.kafka().bootstrapServers());
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }
}
