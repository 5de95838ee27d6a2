package io.sserouter.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sserouter.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class TopologySettingsTest {
    @Test
    void defaultsFollowTheContract() {
        TopologySettings s = TopologySettings.fromEnv(Map.of());
        assertEquals("sse-router-pool", s.applicationId());
        assertEquals(List.of("execution_events", "pod_events", "execution_results"), s.executionTopics());
        assertEquals("notification_events", s.notificationTopic());
        assertEquals("system_events", s.systemTopic());
        assertEquals("sse_router_dlq", s.deadLetterTopic());
        assertEquals(24, s.partitions());
        assertEquals(10, s.threads());
        assertEquals(8081, s.httpPort());
        assertEquals(100, s.logMaxEvents());
        assertEquals(Duration.ofSeconds(300), s.logTtl());
        assertEquals(Duration.ofHours(24), s.statusTtl());
        assertEquals(1 << 20, s.maxRecordBytes());
        assertEquals("exactly_once_v2", s.processingGuarantee());
        assertEquals("redis://localhost:6379", s.redis().url().toString());
        assertEquals("sse:", s.redis().keys().prefix());
        assertEquals("auto", s.routing());
        assertEquals("repartition", TopologySettings.fromEnv(Map.of("SSE_ROUTING", "repartition")).routing());
        assertEquals("compact", s.storeFormat());
        assertEquals("json", TopologySettings.fromEnv(Map.of("SSE_STORE_FORMAT", "json")).storeFormat());
    }

    @Test
    void kafkaVariablesPassThroughAsProperties() {
        TopologySettings s = TopologySettings.fromEnv(Map.of("KAFKA_STATE_DIR", "/data/streams",
                "KAFKA_PROCESSING_GUARANTEE", "at_least_once", "KAFKA_BOOTSTRAP_SERVERS", "k1:9092,k2:9092",
                "KAFKA_COMMIT_INTERVAL_MS", "250", "SSE_CONSUMER_POOL_SIZE", "3"));
        Properties props = StreamsProperties.of(s, new TopologyMetrics(new SimpleMeterRegistry()));
        assertEquals("/data/streams", props.get("state.dir"));
        assertEquals("at_least_once", props.get("processing.guarantee"));
        assertEquals("k1:9092,k2:9092", props.get("bootstrap.servers"));
        assertEquals("250", props.get("commit.interval.ms"));
        assertEquals(3, props.get("num.stream.threads"));
        assertEquals("sse_router_dlq", props.get("errors.dead.letter.queue.topic.name"));
    }

    @Test
    void aKilledInstanceIsDeclaredDeadWithinSecondsAndOneWithAStableNameRejoinsAsItself() {
        Properties shipped = StreamsProperties.of(TopologySettings.fromEnv(Map.of()), new TopologyMetrics(new SimpleMeterRegistry()));
        assertEquals(10_000, shipped.get("session.timeout.ms"));
        assertEquals(3_000, shipped.get("heartbeat.interval.ms"));
        assertEquals(null, shipped.get("group.instance.id"), "no static membership without a stable name");

        Properties named = StreamsProperties.of(TopologySettings.fromEnv(Map.of("SSE_INSTANCE_ID", "topology-1", "KAFKA_SESSION_TIMEOUT_MS", "20000")),
                new TopologyMetrics(new SimpleMeterRegistry()));
        assertEquals("topology-1", named.get("group.instance.id"));
        assertEquals("20000", named.get("session.timeout.ms"), "a KAFKA_* variable still replaces the default");
    }

    @Test
    void underExactlyOnceTheProducerSendsACommitIntervalsRecordsTogetherAndUnderAtLeastOnceAtOnce() {
        TopologyMetrics metrics = new TopologyMetrics(new SimpleMeterRegistry());
        Properties exactlyOnce = StreamsProperties.of(TopologySettings.fromEnv(Map.of()), metrics);
        assertEquals(StreamsProperties.EXACTLY_ONCE_LINGER_MS, exactlyOnce.get("linger.ms"));
        assertEquals(StreamsProperties.EXACTLY_ONCE_BATCH_BYTES, exactlyOnce.get("batch.size"));

        // at-least-once: records in 'unified' are readable as soon as they are sent, so they leave within 5 ms
        Properties atLeastOnce = StreamsProperties.of(TopologySettings.fromEnv(Map.of("KAFKA_PROCESSING_GUARANTEE", "at_least_once")), metrics);
        assertEquals(5, atLeastOnce.get("linger.ms"));
        assertEquals(null, atLeastOnce.get("batch.size"), "Kafka's own");

        Properties tuned = StreamsProperties.of(TopologySettings.fromEnv(Map.of("KAFKA_LINGER_MS", "20", "KAFKA_BATCH_SIZE", "65536")), metrics);
        assertEquals("20", tuned.get("linger.ms"), "a KAFKA_* variable still replaces the default");
        assertEquals("65536", tuned.get("batch.size"));
    }

    @Test
    void everyInvalidVariableIsNamedInOneMessage() {
        ConfigException e = assertThrows(ConfigException.class, () -> TopologySettings.fromEnv(Map.of(
                "SSE_PARTITIONS", "lots", "SSE_CONSUMER_POOL_SIZE", "0", "REDIS_URL", "localhost:6379",
                "KAFKA_PROCESSING_GUARANTEE", "exactly_once", "SSE_CREATE_TOPICS", "maybe", "SSE_SOURCE_TOPICS", "ok,bad topic",
                "SSE_INSTANCE_ID", "pod 1", "SSE_ROUTING", "fast", "SSE_STORE_FORMAT", "xml")));
        for (String name : List.of("SSE_PARTITIONS", "SSE_CONSUMER_POOL_SIZE", "REDIS_URL", "KAFKA_PROCESSING_GUARANTEE",
                "SSE_CREATE_TOPICS", "SSE_SOURCE_TOPICS", "SSE_INSTANCE_ID", "SSE_ROUTING", "SSE_STORE_FORMAT")) {
            assertTrue(e.getMessage().contains(name), name + " missing from: " + e.getMessage());
        }
    }

    @Test
    void theJarRefusesToStartOnABadVariableAndSaysWhich() throws Exception {
        Path log = Files.createTempFile("bad-config", ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Main.class.getName())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("SSE_PARTITIONS", "-3");
        Process process = pb.start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, process.exitValue());
        String output = Files.readString(log);
        assertTrue(output.contains("SSE_PARTITIONS must be between 1 and 10000, got -3"), output);
        Files.delete(log);
    }
}
