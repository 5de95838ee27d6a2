package io.sserouter.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sserouter.contract.Json;
import io.sserouter.contract.RedisKeys;
import io.sserouter.testkit.ExecutionScenario;
import io.sserouter.testkit.Infra;
import io.sserouter.testkit.PubSubRecorder;
import io.sserouter.testkit.RunEnv;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.resps.StreamEntry;

/**
 * The direct path against the real broker and a real Redis: co-partitioned execution topics are sequenced where they
 * are read, records on another partition than their execution id's reach that partition's task through 'unified'
 * and are sequenced there once, and topics with different partition counts fall back to the repartitioned path.
 */
class DirectRoutingTest {
    private static final int PARTITIONS = 4; // RunEnv's SSE_PARTITIONS: the topics the topology creates get as many

    /** Producers that do not key by execution id, and counts what lands off its execution's partition. */
    private static final class MixedProducers {
        private final AtomicInteger misplaced = new AtomicInteger();

        /** Execution {@code e}'s producer: by execution id, by owner, keyless over every partition, or one record put elsewhere. */
        ExecutionWorkload.Keying of(int e) {
            return switch (e % 4) {
                case 0 -> ExecutionWorkload.BY_EXECUTION;
                case 1 -> (id, step, event) -> { // keyed by owner, default partitioner: one partition per owner
                    String owner = "owner-" + (id.hashCode() & 7);
                    count(id, BuiltInPartitioner.partitionForKey(owner.getBytes(StandardCharsets.UTF_8), PARTITIONS));
                    return new ProducerRecord<>(event.topic(), owner, event.value().getBytes(StandardCharsets.UTF_8));
                };
                case 2 -> (id, step, event) -> { // keyless, spread over the partitions
                    count(id, step % PARTITIONS);
                    return new ProducerRecord<>(event.topic(), step % PARTITIONS, null, event.value().getBytes(StandardCharsets.UTF_8));
                };
                default -> (id, step, event) -> { // keyed by execution id, but one record written to a wrong partition
                    if (step != 2) {
                        return event.record();
                    }
                    int wrong = (Routing.partitionOf(id, PARTITIONS) + 1) % PARTITIONS;
                    count(id, wrong);
                    return new ProducerRecord<>(event.topic(), wrong, id, event.value().getBytes(StandardCharsets.UTF_8));
                };
            };
        }

        private void count(String id, int partition) {
            if (partition != Routing.partitionOf(id, PARTITIONS)) {
                misplaced.incrementAndGet();
            }
        }

        /** Sends round {@code step} of executions {@code prefix}0..count-1, each by its own producer's keying. */
        void sendRound(ExecutionWorkload workload, KafkaProducer<String, byte[]> producer, String prefix, int count, int step) {
            for (int e = 0; e < count; e++) {
                workload.send(producer, prefix + e, step, of(e));
            }
        }
    }

    @Test
    void coPartitionedTopicsAreSequencedWhereReadAndMisplacedRecordsOnceByTheirExecutionsTask() throws Exception {
        String run = "direct-mixed-";
        Map<String, String> env = RunEnv.of(run);
        ExecutionWorkload workload = new ExecutionWorkload(run);
        RedisKeys keys = new RedisKeys(run);
        MixedProducers producers = new MixedProducers();
        int executions = 40;
        try (TopologyApp app = TopologyApp.start(TopologySettings.fromEnv(env));
             PubSubRecorder published = new PubSubRecorder(URI.create(Infra.redis().url()), run + "exec:*");
             Jedis redis = new Jedis(URI.create(Infra.redis().url()));
             KafkaProducer<String, byte[]> producer = ExecutionWorkload.producer(Infra.kafka().bootstrapServers())) {
            assertTrue(app.routing().isDirect(), "the topics it created share SSE_PARTITIONS: " + app.routing());
            assertEquals(PARTITIONS, app.routing().partitions());
            assertTrue(app.awaitRunning(Duration.ofSeconds(60)));
            for (int step = 0; step < workload.steps(); step++) {
                producers.sendRound(workload, producer, "m", executions, step);
                producer.flush();
                // Kafka orders records within a partition only: a record sent elsewhere than the rest of its
                // execution takes its place among them by when it arrives. Each round is in Redis before the next
                // is sent, so the order expected is the order sent.
                assertEquals(List.of(), workload.awaitComplete(redis, keys, Duration.ofSeconds(60)), "round " + step);
            }
            published.await("never", 1, Duration.ofMillis(500));
            assertEquals(List.of(), workload.verify(redis, keys, published), "each execution exact, in order, once");
            assertTrue(producers.misplaced.get() > executions, "the test sends misplaced records: " + producers.misplaced.get());
            assertEquals(producers.misplaced.get(), app.metrics().reroutedCount(),
                    "every misplaced record, and only those, went through 'unified', each once (exactly-once)");
        }
    }

    @Test
    void topicsWithDifferentPartitionCountsFallBackToTheRepartitionAndDirectIsRefused() throws Exception {
        String run = "direct-fallback-";
        Map<String, String> env = RunEnv.of(run);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, Infra.kafka().bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(run + "pod_events", 2, (short) 1))).all().get();
        }
        Map<String, String> forced = new java.util.HashMap<>(env);
        forced.put("SSE_ROUTING", "direct");
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> TopologyApp.start(TopologySettings.fromEnv(forced)).close());
        assertTrue(refused.getMessage().contains("SSE_ROUTING=direct"), refused.getMessage());

        ExecutionWorkload workload = new ExecutionWorkload(run);
        RedisKeys keys = new RedisKeys(run);
        MixedProducers producers = new MixedProducers();
        try (TopologyApp app = TopologyApp.start(TopologySettings.fromEnv(env));
             PubSubRecorder published = new PubSubRecorder(URI.create(Infra.redis().url()), run + "exec:*");
             Jedis redis = new Jedis(URI.create(Infra.redis().url()));
             KafkaProducer<String, byte[]> producer = ExecutionWorkload.producer(Infra.kafka().bootstrapServers())) {
            assertFalse(app.routing().isDirect(), "pod_events has 2 partitions, the others 4");
            assertTrue(app.awaitRunning(Duration.ofSeconds(60)));
            for (int step = 0; step < workload.steps(); step++) {
                // producers keying by execution id or by owner: each execution's records of one topic on one partition
                for (int e = 0; e < 40; e++) {
                    workload.send(producer, "f" + e, step, producers.of(e % 2));
                }
                producer.flush();
                Thread.sleep(100);
            }
            assertEquals(List.of(), workload.awaitComplete(redis, keys, Duration.ofSeconds(60)));
            published.await("never", 1, Duration.ofMillis(500));
            assertEquals(List.of(), workload.verify(redis, keys, published));
            assertEquals(0.0, app.metrics().reroutedCount(), "nothing is 'misplaced' on the repartitioned path");
        }
    }

    /**
     * What 'unified' holds when a task starts on the direct path (left by the repartitioned path before a switch, or
     * rerouted before a restart) is sequenced before the events the task then reads on its execution's partition,
     * even when its record times say otherwise: a producer whose clock runs ahead wrote each execution's first event.
     * Kafka Streams alone would merge by record time and sequence the second event first.
     */
    @Test
    void aStartingTaskSequencesWhatUnifiedHoldsBeforeWhatItReadsWhateverTheRecordTimes() throws Exception {
        String run = "direct-handover-";
        Map<String, String> env = RunEnv.of(run);
        TopologySettings settings = TopologySettings.fromEnv(env);
        ExecutionScenario scenario = ExecutionScenario.completed(run);
        RedisKeys keys = new RedisKeys(run);
        try (TopologyApp app = TopologyApp.start(settings);
             Jedis redis = new Jedis(URI.create(Infra.redis().url()));
             KafkaProducer<String, byte[]> producer = ExecutionWorkload.producer(Infra.kafka().bootstrapServers())) {
            assertTrue(app.routing().isDirect());
            assertTrue(app.awaitRunning(Duration.ofSeconds(60)), "a first run creates the topics and marks the pool direct");
            // 'unified' holds nothing unread: events keyed by execution id are sequenced where they are read at once
            for (int e = 0; e < 8; e++) {
                producer.send(scenario.event("k" + e, "user-" + e, 0).record());
            }
            producer.flush();
            for (int e = 0; e < 8; e++) {
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (redis.xlen(keys.execLog("k" + e)) < 1 && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                assertEquals(1, redis.xlen(keys.execLog("k" + e)), "k" + e + " sequenced");
            }
            assertEquals(0.0, app.metrics().handedOverCount(), "no task had anything to wait for");
        }
        InboundDeserializer parse = new InboundDeserializer(InboundDeserializer.Kind.EXECUTION, settings.maxRecordBytes());
        int executions = 12;
        long now = System.currentTimeMillis();
        try (KafkaProducer<String, byte[]> producer = ExecutionWorkload.producer(Infra.kafka().bootstrapServers())) {
            for (int e = 0; e < executions; e++) {
                String id = "h" + e;
                int partition = Routing.partitionOf(id, PARTITIONS);
                // event 1, read on another partition by a task that rerouted it, then stopped: unread in 'unified'
                ExecutionScenario.Event first = scenario.event(id, "user-" + e, 0);
                Inbound rerouted = parse.deserialize(first.topic(), first.value().getBytes(StandardCharsets.UTF_8))
                        .stamped(first.topic() + "/" + (partition + 1) % PARTITIONS + "/" + (1000 + e), null);
                producer.send(new ProducerRecord<>(Catalogue.unifiedTopic(settings.applicationId()), partition, now + 5_000, id,
                        Json.bytes(rerouted)));
                // event 2, sent after it to its execution's partition, by a producer whose clock is right
                ExecutionScenario.Event second = scenario.event(id, "user-" + e, 1);
                producer.send(new ProducerRecord<>(second.topic(), partition, now, id, second.value().getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
        try (TopologyApp app = TopologyApp.start(settings);
             Jedis redis = new Jedis(URI.create(Infra.redis().url()))) {
            assertTrue(app.routing().isDirect());
            List<String> problems = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            for (int e = 0; e < executions; e++) {
                String id = "h" + e;
                List<StreamEntry> log = List.of();
                while (log.size() < 2 && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                    log = redis.xrange(keys.execLog(id), (StreamEntryID) null, (StreamEntryID) null);
                }
                List<Integer> order = log.stream().map(entry -> Json.read(entry.getFields().get(RedisKeys.LOG_FIELD),
                        JsonNode.class).get("data").get("n").asInt()).toList();
                if (!order.equals(List.of(1, 2))) {
                    problems.add(id + " logged events " + order);
                }
            }
            assertEquals(List.of(), problems, "each execution's events in the order they reached its partitions, seqs 1 and 2");
            assertTrue(app.metrics().handedOverCount() >= executions, "every second event went through 'unified': " + app.metrics().handedOverCount());
            assertEquals(0.0, app.metrics().reroutedCount(), "nothing was read on another partition than its execution's");
        }
    }

    /**
     * A pool that ran the repartitioned path with SSE_PARTITIONS other than the execution topics' count keeps it:
     * its state is spread over SSE_PARTITIONS partitions, which the direct path could not read.
     */
    @Test
    void aPoolWhoseStateHasAnotherPartitionCountKeepsTheRepartitionedPath() throws Exception {
        String run = "direct-state-";
        Map<String, String> env = RunEnv.of(run);
        env.put("SSE_PARTITIONS", "8");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, Infra.kafka().bootstrapServers()))) {
            List<NewTopic> topics = new ArrayList<>();
            for (String topic : TopologySettings.fromEnv(env).executionTopics()) {
                topics.add(new NewTopic(topic, PARTITIONS, (short) 1));
            }
            topics.add(new NewTopic(run + "app-execution-status-changelog", 8, (short) 1).configs(Map.of("cleanup.policy", "compact")));
            admin.createTopics(topics).all().get();
        }
        Map<String, String> forced = new java.util.HashMap<>(env);
        forced.put("SSE_ROUTING", "direct");
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> TopologyApp.start(TopologySettings.fromEnv(forced)).close());
        assertTrue(refused.getMessage().contains("execution-status-changelog=8"), refused.getMessage());
        try (TopologyApp app = TopologyApp.start(TopologySettings.fromEnv(env))) {
            assertEquals(Routing.repartitioned(8), app.routing());
            assertTrue(app.awaitRunning(Duration.ofSeconds(60)), "Kafka Streams accepts the existing changelog");
        }
    }

    /**
     * An existing pool changes path only when asked to, with every instance stopped, and keeps every execution exact
     * across the switch: same store, changelog and 'unified' topic, whose unread records the next path reads.
     * Each phase stops right after its last round, so the next one starts with events still on their way.
     */
    @Test
    void aPoolSwitchesPathOnlyWhenAskedAndEveryExecutionStaysExact() throws Exception {
        String run = "direct-switch-";
        Map<String, String> env = RunEnv.of(run);
        ExecutionWorkload workload = new ExecutionWorkload(run);
        RedisKeys keys = new RedisKeys(run);
        MixedProducers producers = new MixedProducers();
        int steps = workload.steps();
        // the path each phase is started with, and the path it must take
        List<String[]> phases = List.of(new String[] {"repartition", "REPARTITION"}, new String[] {"auto", "REPARTITION"},
                new String[] {"direct", "DIRECT"}, new String[] {"auto", "DIRECT"});
        try (PubSubRecorder published = new PubSubRecorder(URI.create(Infra.redis().url()), run + "exec:*");
             Jedis redis = new Jedis(URI.create(Infra.redis().url()));
             KafkaProducer<String, byte[]> producer = ExecutionWorkload.producer(Infra.kafka().bootstrapServers())) {
            for (int phase = 0; phase < phases.size(); phase++) {
                env.put("SSE_ROUTING", phases.get(phase)[0]);
                try (TopologyApp app = TopologyApp.start(TopologySettings.fromEnv(env))) {
                    assertEquals(Routing.Path.valueOf(phases.get(phase)[1]), app.routing().path(), "phase " + phase + ", SSE_ROUTING=" + phases.get(phase)[0]);
                    assertTrue(app.awaitRunning(Duration.ofSeconds(60)));
                    for (int step = phase * steps / phases.size(); step < (phase + 1) * steps / phases.size(); step++) {
                        for (int e = 0; e < 40; e++) {
                            workload.send(producer, "s" + e, step, producers.of(e % 2)); // by execution id, by owner
                        }
                        producer.flush();
                        Thread.sleep(100);
                    }
                    if (phase == phases.size() - 1) {
                        assertEquals(List.of(), workload.awaitComplete(redis, keys, Duration.ofSeconds(60)));
                    }
                }
            }
            published.await("never", 1, Duration.ofMillis(500));
            assertEquals(List.of(), workload.verify(redis, keys, published), "each execution exact across three restarts and two switches");
        }
    }
}
