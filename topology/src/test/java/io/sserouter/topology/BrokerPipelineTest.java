package io.sserouter.topology;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sserouter.contract.RedisKeys;
import io.sserouter.testkit.CommittedRecords;
import io.sserouter.testkit.Infra;
import io.sserouter.testkit.PubSubRecorder;
import io.sserouter.testkit.RedisProcess;
import io.sserouter.testkit.RunEnv;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.ClientKillParams;

/** The topology in this JVM against the real broker and a real Redis: topics, dead letters, Redis faults, scale-out. */
class BrokerPipelineTest {
    private static int runs;

    private static Map<String, String> env(String run, String redisUrl) {
        return RunEnv.of(run, redisUrl);
    }

    private static synchronized String run(String name) {
        return "bp" + (++runs) + "-" + name + "-";
    }

    private static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, Infra.kafka().bootstrapServers()));
    }

    /** A running instance that reaches Kafka keeps the pipeline heartbeat fresh, for the edges to show. */
    private static void assertPipelineHeartbeat(Jedis redis, String key) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 15_000;
        String first = null;
        while (first == null && System.currentTimeMillis() < deadline) {
            first = redis.get(key);
            Thread.sleep(100);
        }
        assertTrue(first != null, "heartbeat written while running");
        assertTrue(Math.abs(System.currentTimeMillis() - Long.parseLong(first)) < 10_000, "heartbeat is the current time: " + first);
        String next = first;
        while (next.equals(first) && System.currentTimeMillis() < deadline + 10_000) {
            Thread.sleep(200);
            next = redis.get(key);
        }
        assertTrue(Long.parseLong(next) > Long.parseLong(first), "heartbeat refreshed");
    }

    @Test
    void createsMissingTopicsAndDeadLettersUnderExactlyOnce() throws Exception {
        String run = run("dlq");
        Map<String, String> env = env(run, Infra.redis().url());
        env.put("SSE_MAX_RECORD_BYTES", String.valueOf(1 << 20));
        try (Admin admin = admin()) {
            // a producer may write records above the producer default of 1 MiB when its topic allows it
            admin.createTopics(List.of(new NewTopic(run + "pod_events", 2, (short) 1)
                    .configs(Map.of("max.message.bytes", String.valueOf(4 << 20))))).all().get();
        }
        try (TopologyApp app = TopologyApp.start(TopologySettings.fromEnv(env));
             Admin admin = admin();
             KafkaProducer<String, byte[]> producer = bigProducer();
             Jedis redis = new Jedis(URI.create(Infra.redis().url()))) {
            assertTrue(app.awaitRunning(Duration.ofSeconds(60)));
            assertPipelineHeartbeat(redis, new RedisKeys(run).pipelineHeartbeat());
            Map<String, TopicDescription> topics = admin.describeTopics(List.of(run + "execution_events", run + "dlq", run + "pod_events"))
                    .allTopicNames().get();
            assertEquals(4, topics.get(run + "execution_events").partitions().size(), "created with SSE_PARTITIONS");
            assertEquals(2, topics.get(run + "pod_events").partitions().size(), "an existing topic is left as it is");
            String dlqMax = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, run + "dlq"))).all().get()
                    .values().iterator().next().get("max.message.bytes").value();
            assertTrue(Integer.parseInt(dlqMax) > 8 << 20, "dead-letter topic takes big records: " + dlqMax);
            String changelogSegment = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC,
                    run + "app-" + Catalogue.STATUS_STORE + "-changelog"))).all().get().values().iterator().next().get("segment.bytes").value();
            assertEquals(String.valueOf(64 << 20), changelogSegment, "segments small enough for compaction to keep a restore short");

            byte[] huge = ("{\"event_type\":\"pod_running\",\"execution_id\":\"big\",\"pad\":\"" + "p".repeat(1_500_000) + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
            producer.send(new ProducerRecord<>(run + "execution_events", "e", "{\"event_type\":\"execution_running\",\"execution_id\":\"ok\"}".getBytes(StandardCharsets.UTF_8)));
            producer.send(new ProducerRecord<>(run + "execution_events", "e", "garbage".getBytes(StandardCharsets.UTF_8)));
            producer.send(new ProducerRecord<>(run + "pod_events", "big", huge));
            producer.send(new ProducerRecord<>(run + "execution_events", "e", "{\"event_type\":\"execution_completed\",\"execution_id\":\"ok\"}".getBytes(StandardCharsets.UTF_8)));
            producer.flush();

            List<ConsumerRecord<byte[], byte[]>> dead = CommittedRecords.read(run + "dlq", 2, Duration.ofSeconds(60), Duration.ZERO);
            assertEquals(2, dead.size());
            Map<String, ConsumerRecord<byte[], byte[]>> byReason = new HashMap<>();
            dead.forEach(r -> byReason.put(new String(r.headers().lastHeader(DeadLetterHandler.REASON).value(), StandardCharsets.UTF_8), r));
            assertEquals(Set.of("not_json", "too_large"), byReason.keySet());
            assertArrayEquals(huge, byReason.get("too_large").value(), "the oversized record is dead-lettered whole");
            assertEquals(run + "pod_events", new String(byReason.get("too_large").headers().lastHeader(DeadLetterHandler.TOPIC).value(), StandardCharsets.UTF_8));

            RedisKeys keys = new RedisKeys(run);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (redis.xlen(keys.execLog("ok")) < 2 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertEquals(2, redis.xlen(keys.execLog("ok")), "valid events around the bad ones are relayed");
            assertTrue(app.scrape().contains("sse_router_events_dead_lettered_total{reason=\"too_large\"} 1.0"), app.scrape());
            assertTrue(app.scrape().contains("kafka_consumer_fetch_manager_records_lag"), "Kafka Streams client metrics, lag included");
            assertTrue(app.scrape().contains("sse_router_streams_state{state=\"running\"} 1.0"), "the current state is 1");
            assertTrue(app.scrape().contains("sse_router_streams_state{state=\"rebalancing\"} 0.0"), "every other state is 0");
        }
        // closed cleanly: the next start trusts the local state instead of restoring the stores from the changelogs
        Path appState = Path.of(env.get("KAFKA_STATE_DIR"), run + "app");
        assertFalse(Files.exists(appState.resolve("sse-router.running")), "the run's mark is gone after a clean close");
        try (Stream<Path> tasks = Files.list(appState)) {
            assertTrue(tasks.anyMatch(p -> p.getFileName().toString().matches("\\d+_\\d+")), "the tasks' local state is kept");
        }
    }

    @Test
    void aFrozenRedisDelaysEventsButLosesNone() throws Exception {
        String run = run("freeze");
        try (RedisProcess redisServer = RedisProcess.start()) {
            Map<String, String> env = env(run, redisServer.url());
            env.put("SSE_REDIS_MAX_BLOCK_MS", "500");
            ExecutionWorkload workload = new ExecutionWorkload(run);
            RedisKeys keys = new RedisKeys(run);
            try (TopologyApp app = TopologyApp.start(TopologySettings.fromEnv(env));
                 PubSubRecorder published = new PubSubRecorder(URI.create(redisServer.url()), run + "exec:*");
                 Jedis redis = new Jedis(URI.create(redisServer.url()));
                 KafkaProducer<String, byte[]> producer = ExecutionWorkload.producer(Infra.kafka().bootstrapServers())) {
                assertTrue(app.awaitRunning(Duration.ofSeconds(60)));
                for (int step = 0; step < workload.steps(); step++) {
                    workload.sendRound(producer, "f", 40, step);
                    producer.flush();
                    if (step == 3) {
                        redisServer.freeze();
                    }
                    if (step == 5) {
                        Thread.sleep(5_000);
                        assertEquals(0.0, app.scrape().lines().filter(l -> l.startsWith("sse_router_redis_up ")).mapToDouble(l -> Double.parseDouble(l.split(" ")[1])).sum(),
                                "the outage shows in metrics");
                        redisServer.thaw();
                    }
                    if (step == 7) {
                        try (Jedis admin = new Jedis(URI.create(redisServer.url()))) {
                            // drop every connection of the topology (not the test's own)
                            admin.clientList().lines().filter(l -> l.contains("name=sse-router-topology"))
                                    .map(l -> l.substring(3, l.indexOf(' '))) // "id=N ..."
                                    .forEach(id -> admin.clientKill(new ClientKillParams().id(id)));
                        }
                    }
                    Thread.sleep(100);
                }
                assertEquals(List.of(), workload.awaitComplete(redis, keys, Duration.ofSeconds(60)));
                published.await("never", 1, Duration.ofMillis(500));
                assertEquals(List.of(), workload.verify(redis, keys, published));
                assertTrue(app.metrics().redisUp(), "recovered by itself");
            }
        }
    }

    /**
     * Events processed and committed while Redis never answered are neither lost nor repeated when the instance stops
     * and another one, with an empty state directory, takes over: their writes come back with the restored states.
     */
    /**
     * The successor runs the shipped store format. With {@code json} the first instance stores as every release
     * before the compact format did: an upgrade that restores those states, and the writes they list, from the changelog.
     */
    @ParameterizedTest
    @ValueSource(strings = {TopologySettings.COMPACT_STORE, TopologySettings.JSON_STORE})
    void writesRedisNeverAcknowledgedAreMadeByTheInstanceThatRestoresTheState(String firstStoreFormat) throws Exception {
        String run = run("unacked-" + firstStoreFormat);
        try (RedisProcess redisServer = RedisProcess.start()) {
            Map<String, String> env = env(run, redisServer.url());
            env.put("SSE_REDIS_MAX_BLOCK_MS", "300");
            // no timed flush: each attempt would block on the frozen Redis and slow intake to a crawl (back-pressure)
            env.put("SSE_REDIS_FLUSH_MS", "60000");
            ExecutionWorkload workload = new ExecutionWorkload(run);
            RedisKeys keys = new RedisKeys(run);
            int executions = 20;
            try (KafkaProducer<String, byte[]> producer = ExecutionWorkload.producer(Infra.kafka().bootstrapServers())) {
                Map<String, String> firstEnv = new HashMap<>(env);
                firstEnv.put("SSE_STORE_FORMAT", firstStoreFormat);
                try (TopologyApp app = TopologyApp.start(TopologySettings.fromEnv(firstEnv))) {
                    assertTrue(app.awaitRunning(Duration.ofSeconds(60)));
                    redisServer.freeze();
                    for (int step = 0; step < workload.steps(); step++) {
                        workload.sendRound(producer, "u", executions, step);
                    }
                    producer.flush();
                    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                    while (app.metrics().pending() < (long) executions * workload.steps() && System.nanoTime() < deadline) {
                        Thread.sleep(100);
                    }
                    assertEquals((long) executions * workload.steps(), app.metrics().pending(),
                            "every event was processed and waits for Redis");
                } // a clean close commits what was processed; Redis still answers nothing
                redisServer.thaw();
                try (Jedis redis = new Jedis(URI.create(redisServer.url()))) {
                    assertEquals(0, redis.keys(run + "exec:*").size(), "nothing reached Redis while it was frozen");
                }
                env.put("KAFKA_STATE_DIR", java.nio.file.Files.createTempDirectory(java.nio.file.Path.of("target"), "restore-").toString());
                try (PubSubRecorder published = new PubSubRecorder(URI.create(redisServer.url()), run + "exec:*");
                     TopologyApp successor = TopologyApp.start(TopologySettings.fromEnv(env));
                     Jedis redis = new Jedis(URI.create(redisServer.url()))) {
                    assertTrue(successor.awaitRunning(Duration.ofSeconds(60)));
                    assertEquals(List.of(), workload.awaitComplete(redis, keys, Duration.ofSeconds(60)));
                    published.await("never", 1, Duration.ofMillis(500));
                    assertEquals(List.of(), workload.verify(redis, keys, published), "each event logged and published once, in order");
                }
            }
        }
    }

    @Test
    void instancesSharingTheApplicationIdSplitTheWorkAndHandOverOnRebalance() throws Exception {
        String run = run("scale");
        Map<String, String> env = env(run, Infra.redis().url());
        env.put("SSE_CONSUMER_POOL_SIZE", "1");
        ExecutionWorkload workload = new ExecutionWorkload(run);
        RedisKeys keys = new RedisKeys(run);
        Map<String, String> second = new HashMap<>(env);
        second.put("KAFKA_STATE_DIR", RunEnv.of(run + "b-").get("KAFKA_STATE_DIR"));
        try (PubSubRecorder published = new PubSubRecorder(URI.create(Infra.redis().url()), run + "exec:*");
             Jedis redis = new Jedis(URI.create(Infra.redis().url()));
             KafkaProducer<String, byte[]> producer = ExecutionWorkload.producer(Infra.kafka().bootstrapServers())) {
            TopologyApp a = TopologyApp.start(TopologySettings.fromEnv(env));
            TopologyApp b = null;
            try {
                assertTrue(a.awaitRunning(Duration.ofSeconds(60)));
                for (int step = 0; step < workload.steps(); step++) {
                    workload.sendRound(producer, "s", 60, step);
                    producer.flush();
                    if (step == 2) {
                        b = TopologyApp.start(TopologySettings.fromEnv(second)); // scale out mid-stream
                    }
                    if (step == 5) {
                        assertTrue(b.awaitRunning(Duration.ofSeconds(60)));
                        a.close(); // scale in: the survivor takes every partition over
                        a = null;
                        // without a stable name it left the group on its way out: the survivor takes over now, not
                        // after the session timeout (10 s), which would have kept the stopped instance listed
                        assertEquals(1, groupMembersWithin(TopologySettings.fromEnv(env).applicationId(), 1, Duration.ofSeconds(5)),
                                "the stopped instance left the group");
                    }
                    Thread.sleep(200);
                }
                assertEquals(List.of(), workload.awaitComplete(redis, keys, Duration.ofSeconds(90)));
                published.await("never", 1, Duration.ofMillis(500));
                assertEquals(List.of(), workload.verify(redis, keys, published));
            } finally {
                if (a != null) {
                    a.close();
                }
                if (b != null) {
                    b.close();
                }
            }
        }
    }

    /** The group's member count once it is {@code expected}, or when the timeout passes. */
    private static int groupMembersWithin(String group, int expected, Duration timeout) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, Infra.kafka().bootstrapServers()))) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                int members = admin.describeConsumerGroups(List.of(group)).all().get().get(group).members().size();
                if (members == expected || System.nanoTime() > deadline) {
                    return members;
                }
                Thread.sleep(100);
            }
        }
    }

    private static KafkaProducer<String, byte[]> bigProducer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, Infra.kafka().bootstrapServers());
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 << 20);
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }
}
