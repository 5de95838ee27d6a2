package io.sserouter.topology;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sserouter.contract.Json;
import io.sserouter.contract.RedisKeys;
import io.sserouter.testkit.Infra;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import io.sserouter.testkit.PubSubRecorder;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.resps.StreamEntry;

/**
 * The production topology in a TopologyTestDriver, writing to the real Redis of the test run. Each harness
 * uses its own key prefix, so tests never see each other's keys.
 */
final class TopologyHarness implements AutoCloseable {
    private static final AtomicInteger COUNTER = new AtomicInteger();

    final TopologySettings settings;
    final TopologyMetrics metrics;
    final RedisKeys keys;
    final Jedis redis;
    final PubSubRecorder published;
    private final RedisSink sink;
    private final TopologyTestDriver driver;
    private final Path stateDir;
    private final Map<String, TestInputTopic<byte[], byte[]>> inputs = new HashMap<>();
    private final TestOutputTopic<byte[], byte[]> deadLetters;

    TopologyHarness() {
        this(Map.of());
    }

    TopologyHarness(Map<String, String> overrides) {
        try {
            stateDir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "state")), "ttd-");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Map<String, String> env = new HashMap<>();
        env.put("REDIS_URL", Infra.redis().url());
        env.put("SSE_REDIS_PREFIX", "ttd" + COUNTER.incrementAndGet() + ":");
        env.put("KAFKA_BOOTSTRAP_SERVERS", "unused:9092");
        env.put("SSE_CONSUMER_POOL_SIZE", "1");
        env.putAll(overrides);
        settings = TopologySettings.fromEnv(env);
        keys = settings.redis().keys();
        metrics = new TopologyMetrics(new SimpleMeterRegistry());
        sink = new RedisSink(settings.redis(), settings);
        redis = new Jedis(settings.redis().url());
        published = new PubSubRecorder(settings.redis().url(), keys.prefix() + "*");
        Properties props = StreamsProperties.of(settings, metrics);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(TopologyFactory.build(settings, sink, metrics), props, Instant.parse("2026-01-01T00:00:00Z"));
        for (String topic : settings.sourceTopics()) {
            inputs.put(topic, driver.createInputTopic(topic, new ByteArraySerializer(), new ByteArraySerializer()));
        }
        deadLetters = driver.createOutputTopic(settings.deadLetterTopic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** Sends a record and lets the outbox write it to Redis (its flush interval passes). */
    void send(String topic, String json) {
        sendRaw(topic, json.getBytes(StandardCharsets.UTF_8));
    }

    void sendRaw(String topic, byte[] value) {
        inputs.get(topic).pipeInput(new TestRecord<>(null, value));
        advance(settings.flushInterval().multipliedBy(2));
    }

    /** Sends a record without letting time pass: only a full batch or a forced flush reaches Redis. */
    void pipe(String topic, String json) {
        inputs.get(topic).pipeInput(new TestRecord<>(null, json.getBytes(StandardCharsets.UTF_8)));
    }

    void advance(Duration duration) {
        driver.advanceWallClockTime(duration);
    }

    List<TestRecord<byte[], byte[]>> deadLetters() {
        return deadLetters.readRecordsToList();
    }

    /** The envelopes in an execution's replay log, in stream order. */
    List<JsonNode> log(String executionId) {
        List<JsonNode> out = new ArrayList<>();
        for (StreamEntry entry : redis.xrange(keys.execLog(executionId), (StreamEntryID) null, (StreamEntryID) null)) {
            out.add(Json.read(entry.getFields().get(RedisKeys.LOG_FIELD), JsonNode.class));
        }
        return out;
    }

    List<String> logIds(String executionId) {
        return redis.xrange(keys.execLog(executionId), (StreamEntryID) null, (StreamEntryID) null).stream()
                .map(e -> e.getID().toString()).toList();
    }

    JsonNode snapshot(String executionId) {
        String json = redis.get(keys.execStatus(executionId));
        return json == null ? null : Json.read(json, JsonNode.class);
    }

    org.apache.kafka.streams.state.KeyValueStore<String, ExecutionState> statusStore() {
        return driver.getKeyValueStore(Catalogue.STATUS_STORE);
    }

    @Override
    public void close() {
        driver.close();
        sink.close();
        published.close();
        redis.close();
        try (var files = Files.walk(stateDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException ignored) {
            // best effort
        }
    }
}
