package io.sserouter.topology;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every kind of bad record goes to the dead-letter topic with its reason and origin; processing goes on.
 * TopologyTestDriver does not surface dead-letter records in exactly-once mode, so these tests run at-least-once;
 * the broker test checks dead-lettering under exactly-once.
 */
class DeadLetterTest {
    private static final Map<String, String> SMALL_LIMITS = Map.of("SSE_MAX_RECORD_BYTES", "4096",
            "SSE_DLQ_MAX_RECORD_BYTES", "65536", "KAFKA_PROCESSING_GUARANTEE", "at_least_once");
    private TopologyHarness h;

    @BeforeEach
    void start() {
        h = new TopologyHarness(SMALL_LIMITS);
    }

    @AfterEach
    void stop() {
        h.close();
    }

    private void assertDeadLettered(String topic, byte[] value, String reason) {
        h.send("execution_events", SequencingTest.event("execution_running", "around", ""));
        h.sendRaw(topic, value);
        h.send("execution_events", SequencingTest.event("execution_running", "around", ""));
        List<TestRecord<byte[], byte[]>> dead = h.deadLetters();
        assertEquals(1, dead.size(), "one dead letter for " + reason);
        TestRecord<byte[], byte[]> record = dead.get(0);
        assertEquals(reason, header(record, DeadLetterHandler.REASON));
        assertEquals(topic, header(record, DeadLetterHandler.TOPIC));
        assertEquals("0", header(record, DeadLetterHandler.PARTITION));
        assertNotNull(header(record, DeadLetterHandler.OFFSET));
        assertNotNull(header(record, DeadLetterHandler.MESSAGE));
        assertArrayEquals(value, record.value(), "the original value is kept");
    }

    private void assertDeadLettered(String topic, String value, String reason) {
        assertDeadLettered(topic, value.getBytes(StandardCharsets.UTF_8), reason);
    }

    static String header(TestRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    @Test
    void everyReasonIsDeadLetteredAndValidEventsAroundAreUnaffected() {
        assertDeadLettered("execution_events", "not json at all", "not_json");
        assertDeadLettered("execution_events", "{\"event_type\":\"execution_running\",\"execution_id\":", "not_json");
        assertDeadLettered("pod_events", "[1,2,3]", "not_object");
        assertDeadLettered("pod_events", new byte[0], "empty");
        assertDeadLettered("execution_events", "{\"execution_id\":\"e\"}", "missing_event_type");
        assertDeadLettered("execution_events", "{\"event_type\":\"x\\ny\",\"execution_id\":\"e\"}", "invalid_event_type");
        assertDeadLettered("execution_events", "{\"event_type\":42,\"execution_id\":\"e\"}", "invalid_event_type");
        assertDeadLettered("execution_results", "{\"event_type\":\"result_stored\"}", "missing_execution_id");
        assertDeadLettered("execution_results", "{\"event_type\":\"result_stored\",\"execution_id\":\"a b\"}", "invalid_execution_id");
        assertDeadLettered("execution_results", "{\"event_type\":\"result_stored\",\"execution_id\":\"" + "x".repeat(129) + "\"}", "invalid_execution_id");
        assertDeadLettered("execution_results", "{\"event_type\":\"result_stored\",\"execution_id\":[\"e\"]}", "invalid_execution_id");
        assertDeadLettered("execution_events", "{\"event_type\":\"x\",\"execution_id\":\"e\",\"metadata\":{\"user_id\":\"a\\nb\"}}", "invalid_user_id");
        assertDeadLettered("execution_events", "{\"event_type\":\"x\",\"execution_id\":\"e\",\"event_id\":7}", "invalid_event_id");
        assertDeadLettered("execution_events", "{\"event_type\":\"x\",\"execution_id\":\"e\",\"pad\":\"" + "p".repeat(5000) + "\"}", "too_large");
        assertDeadLettered("notification_events", "{\"event_type\":\"hello\"}", "missing_user_id");
        assertDeadLettered("system_events", "{\"version\":\"1.2\"}", "missing_event_type");

        assertEquals(32, h.log("around").size(), "the valid events around the bad ones are all relayed");
        assertEquals(32, h.snapshot("around").get("last_seq").asLong());
        assertEquals(16.0, h.metrics.deadLetteredTotal());
    }

    @Test
    void anIdOfExactly128CharactersIsAccepted() {
        String id = "a".repeat(128);
        h.send("execution_events", SequencingTest.event("execution_running", id, ""));
        assertEquals(List.of(), h.deadLetters());
        assertEquals(1, h.log(id).size());
    }

    @Test
    void aRecordLargerThanTheDeadLetterLimitIsTruncatedAndSaysSo() {
        try (TopologyHarness small = new TopologyHarness(SMALL_LIMITS)) {
            byte[] huge = ("{\"event_type\":\"x\",\"execution_id\":\"e\",\"pad\":\"" + "p".repeat(100_000) + "\"}").getBytes(StandardCharsets.UTF_8);
            small.sendRaw("execution_events", huge);
            TestRecord<byte[], byte[]> dead = small.deadLetters().get(0);
            assertEquals("too_large", header(dead, DeadLetterHandler.REASON));
            assertEquals(String.valueOf(huge.length), header(dead, DeadLetterHandler.TRUNCATED));
            assertArrayEquals(Arrays.copyOf(huge, 65536), dead.value());
        }
    }
}
