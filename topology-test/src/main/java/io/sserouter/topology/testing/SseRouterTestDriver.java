package io.sserouter.topology.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sserouter.contract.ExecutionEnvelope;
import io.sserouter.contract.Json;
import io.sserouter.contract.NotificationEnvelope;
import io.sserouter.contract.RedisKeys;
import io.sserouter.contract.StatusSnapshot;
import io.sserouter.topology.Routing;
import io.sserouter.topology.StreamsProperties;
import io.sserouter.topology.TopologyFactory;
import io.sserouter.topology.TopologyMetrics;
import io.sserouter.topology.TopologySettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/**
 * The production topology ({@link TopologyFactory#build}) in a {@link TopologyTestDriver}, writing to an
 * {@link InMemoryRedis} through the product's own scripts. Feed JSON records to the source topics by name
 * ({@code execution_events}, {@code pod_events}, {@code execution_results}, {@code notification_events},
 * {@code system_events}) and read what would reach Redis: each execution's log and snapshot, the publishes,
 * notifications, broadcasts, and the dead letters.
 *
 * <p>Settings are the deployable's defaults, overridden by the environment variables given (same names as in
 * production, e.g. {@code SSE_BUFFER_MAX_EVENTS}). One clock drives Kafka Streams' wall-clock time and the
 * in-memory Redis's, so {@link #advance} flushes the outboxes and expires keys alike.
 */
public final class SseRouterTestDriver implements AutoCloseable {
    /** Where the clock starts. */
    public static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    private final Map<String, String> environment;
    private final TopologySettings settings;
    private final TopologyMetrics metrics;
    private final InMemoryRedis redis;
    private final TopologyTestDriver driver;
    private final Path stateDir;
    private final Map<String, TestInputTopic<byte[], byte[]>> inputs = new HashMap<>();
    /** Filled by {@link RecordingDeadLetterHandler}, read (and emptied) by {@link #deadLetters()}. */
    private final List<DeadLetter> deadLetters = Collections.synchronizedList(new ArrayList<>());

    /** With the deployable's default settings. */
    public SseRouterTestDriver() {
        this(Map.of());
    }

    /** With the deployable's defaults, overridden by these environment variables. */
    public SseRouterTestDriver(Map<String, String> environment) {
        this(environment, new InMemoryRedis(START));
    }

    private SseRouterTestDriver(Map<String, String> environment, InMemoryRedis redis) {
        this.environment = Map.copyOf(environment);
        Map<String, String> env = new HashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", "unused:9092"); // nothing connects: the driver stands in for Kafka
        env.put("SSE_CONSUMER_POOL_SIZE", "1");
        env.putAll(environment);
        settings = TopologySettings.fromEnv(env);
        metrics = new TopologyMetrics(new SimpleMeterRegistry());
        this.redis = redis;
        try {
            stateDir = Files.createTempDirectory("sse-router-ttd-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Properties props = StreamsProperties.of(settings, metrics);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, RecordingDeadLetterHandler.class);
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, RecordingDeadLetterHandler.class);
        props.put(RecordingDeadLetterHandler.RECORDS_CONFIG, deadLetters);
        // One partition per topic here: the execution topics are always co-partitioned, so SSE_ROUTING=auto (the
        // default) takes the direct path, as it does in production when they are; repartition takes the other one.
        Routing routing = settings.routing().equals(Routing.REPARTITION) ? Routing.repartitioned(settings.partitions()) : Routing.direct(1);
        driver = new TopologyTestDriver(TopologyFactory.build(settings, routing, new InMemorySink(redis, settings), metrics), props,
                Instant.ofEpochMilli(redis.nowMillis()));
        for (String topic : settings.sourceTopics()) {
            inputs.put(topic, driver.createInputTopic(topic, new ByteArraySerializer(), new ByteArraySerializer()));
        }
    }

    /**
     * Stops this topology as a crash would, before any of its work was committed, and starts another in its place
     * on the same Redis: what this one wrote to Redis stays, its stores are gone, and the sources are read again
     * from their first record, in whatever order the test sends them anew. What an instance taking over after a
     * {@code kill -9} finds (here with the commit at the very start).
     */
    public SseRouterTestDriver restartedAfterCrash() {
        close();
        return new SseRouterTestDriver(environment, redis);
    }

    // --- input ---

    /** Sends a JSON record to a source topic and lets the flush interval pass, so its Redis write is done. */
    public void send(String topic, String json) {
        sendRaw(topic, json.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends a record's bytes as they are (e.g. a malformed one) and lets the flush interval pass. */
    public void sendRaw(String topic, byte[] value) {
        input(topic).pipeInput(new TestRecord<>(null, value));
        advance(settings.flushInterval().multipliedBy(2));
    }

    /**
     * Sends a record without letting time pass. Its Redis write is made at once (a write goes as soon as no batch is in
     * flight, and the in-memory Redis answers at once), but nothing timed runs: the sweep, key expiry.
     */
    public void pipe(String topic, String json) {
        input(topic).pipeInput(new TestRecord<>(null, json.getBytes(StandardCharsets.UTF_8)));
    }

    /** Moves the clock of the topology and of the in-memory Redis on together. */
    public void advance(Duration duration) {
        redis.advance(duration);
        driver.advanceWallClockTime(duration);
    }

    // --- what reached Redis ---

    /** The envelopes in an execution's replay log, oldest first (each with its seq). */
    public List<ExecutionEnvelope> log(String executionId) {
        return logJson(executionId).stream().map(node -> Json.MAPPER.convertValue(node, ExecutionEnvelope.class)).toList();
    }

    /** The same entries as JSON trees, as a client receives them. */
    public List<JsonNode> logJson(String executionId) {
        return redis.stream(keys().execLog(executionId)).stream()
                .map(entry -> Json.read(entry.fields().get(RedisKeys.LOG_FIELD), JsonNode.class)).toList();
    }

    /** The stream ids of the log entries ({@code {seq}-0}). */
    public List<String> logIds(String executionId) {
        return redis.stream(keys().execLog(executionId)).stream().map(InMemoryRedis.StreamEntry::id).toList();
    }

    /**
     * The envelopes in a user's log, oldest first: every event of every execution the user owns, in the order the
     * user stream ({@code GET /api/v1/events}) delivers them, including events sequenced before the owner was known.
     */
    public List<ExecutionEnvelope> userLog(String userId) {
        return redis.stream(keys().userLog(userId)).stream()
                .map(entry -> Json.read(entry.fields().get(RedisKeys.LOG_FIELD), ExecutionEnvelope.class)).toList();
    }

    /** The execution's status snapshot, or null when there is none (never written, or expired). */
    public StatusSnapshot snapshot(String executionId) {
        String json = redis.get(keys().execStatus(executionId));
        return json == null ? null : Json.read(json, StatusSnapshot.class);
    }

    public JsonNode snapshotJson(String executionId) {
        String json = redis.get(keys().execStatus(executionId));
        return json == null ? null : Json.read(json, JsonNode.class);
    }

    /** The envelopes published live for an execution, in order. */
    public List<ExecutionEnvelope> published(String executionId) {
        return redis.published(keys().execChannel(executionId)).stream().map(m -> Json.read(m, ExecutionEnvelope.class)).toList();
    }

    /** The messages published on a channel, raw, in order. */
    public List<String> publishedOn(String channel) {
        return redis.published(channel);
    }

    /** A user's notifications as published, in order. */
    public List<NotificationEnvelope> notifications(String userId) {
        return redis.published(keys().notifications(userId)).stream().map(m -> Json.read(m, NotificationEnvelope.class)).toList();
    }

    /** System events as broadcast, in order. */
    public List<NotificationEnvelope> broadcasts() {
        return redis.published(keys().broadcast()).stream().map(m -> Json.read(m, NotificationEnvelope.class)).toList();
    }

    /** The latest system event of each type, as kept for clients that connect later. */
    public Map<String, NotificationEnvelope> latestSystemEvents() {
        Map<String, NotificationEnvelope> latest = new TreeMap<>();
        redis.hash(keys().broadcastLatest()).forEach((type, json) -> latest.put(type, Json.read(json, NotificationEnvelope.class)));
        return latest;
    }

    /**
     * The records dead-lettered since the last call, in order, with their reason header: each as the product's
     * dead-letter handler hands it to Kafka Streams to produce (TopologyTestDriver does not show the produced
     * ones under exactly-once, the default guarantee).
     */
    public List<DeadLetter> deadLetters() {
        synchronized (deadLetters) {
            List<DeadLetter> out = List.copyOf(deadLetters);
            deadLetters.clear();
            return out;
        }
    }

    // --- the parts, for anything else ---

    public InMemoryRedis redis() {
        return redis;
    }

    public RedisKeys keys() {
        return settings.redis().keys();
    }

    public TopologySettings settings() {
        return settings;
    }

    public TopologyMetrics metrics() {
        return metrics;
    }

    /** The underlying driver, e.g. to read a state store. */
    public TopologyTestDriver driver() {
        return driver;
    }

    private TestInputTopic<byte[], byte[]> input(String topic) {
        TestInputTopic<byte[], byte[]> input = inputs.get(topic);
        if (input == null) {
            throw new IllegalArgumentException("not a source topic of this topology: " + topic + "; they are " + settings.sourceTopics());
        }
        return input;
    }

    @Override
    public void close() {
        driver.close();
        try (Stream<Path> files = Files.walk(stateDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort: a temp dir
        }
    }
}
