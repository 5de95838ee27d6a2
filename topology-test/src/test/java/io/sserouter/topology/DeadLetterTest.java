package io.sserouter.topology;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.sserouter.topology.testing.DeadLetter;
import io.sserouter.topology.testing.SseRouterTestDriver;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every kind of bad record goes to the dead-letter topic with its reason and origin; processing goes on. Under the
 * product's default guarantee (exactly-once): the driver reads each dead-letter record as the handler hands it to
 * Kafka Streams, and the broker test checks that it is produced.
 */
class DeadLetterTest {
    private static final Map<String, String> SMALL_LIMITS = Map.of("SSE_MAX_RECORD_BYTES", "4096",
            "SSE_DLQ_MAX_RECORD_BYTES", "65536");
    private SseRouterTestDriver h;

    @BeforeEach
    void start() {
        h = new SseRouterTestDriver(SMALL_LIMITS);
    }

    @AfterEach
    void stop() {
        h.close();
    }

    private void assertDeadLettered(String topic, byte[] value, String reason) {
        h.send("execution_events", SequencingTest.event("execution_running", "around", ""));
        h.sendRaw(topic, value);
        h.send("execution_events", SequencingTest.event("execution_running", "around", ""));
        List<DeadLetter> dead = h.deadLetters();
        assertEquals(1, dead.size(), "one dead letter for " + reason);
        DeadLetter record = dead.get(0);
        assertEquals(reason, record.header(DeadLetterHandler.REASON));
        assertEquals(topic, record.header(DeadLetterHandler.TOPIC));
        assertEquals("0", record.header(DeadLetterHandler.PARTITION));
        assertNotNull(record.header(DeadLetterHandler.OFFSET));
        assertNotNull(record.header(DeadLetterHandler.MESSAGE));
        assertArrayEquals(value, record.value(), "the original value is kept");
    }

    private void assertDeadLettered(String topic, String value, String reason) {
        assertDeadLettered(topic, value.getBytes(StandardCharsets.UTF_8), reason);
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

        assertEquals(32, h.logJson("around").size(), "the valid events around the bad ones are all relayed");
        assertEquals(32, h.snapshotJson("around").get("last_seq").asLong());
        assertEquals(16.0, h.metrics().deadLetteredTotal());
    }

    @Test
    void anIdOfExactly128CharactersIsAccepted() {
        String id = "a".repeat(128);
        h.send("execution_events", SequencingTest.event("execution_running", id, ""));
        assertEquals(List.of(), h.deadLetters());
        assertEquals(1, h.logJson(id).size());
    }

    @Test
    void aRecordLargerThanTheDeadLetterLimitIsTruncatedAndSaysSo() {
        try (SseRouterTestDriver small = new SseRouterTestDriver(SMALL_LIMITS)) {
            byte[] huge = ("{\"event_type\":\"x\",\"execution_id\":\"e\",\"pad\":\"" + "p".repeat(100_000) + "\"}").getBytes(StandardCharsets.UTF_8);
            small.sendRaw("execution_events", huge);
            DeadLetter dead = small.deadLetters().get(0);
            assertEquals("too_large", dead.header(DeadLetterHandler.REASON));
            assertEquals(String.valueOf(huge.length), dead.header(DeadLetterHandler.TRUNCATED));
            assertArrayEquals(Arrays.copyOf(huge, 65536), dead.value());
        }
    }

    /**
     * The edge's own event names cannot be a producer's: relayed, a client would take them for the edge's word.
     * Any spelling that normalises to one of them is refused, on every kind of topic.
     */
    @Test
    void theEdgesOwnEventNamesAreRefusedOnEveryTopic() {
        assertDeadLettered("execution_events", SequencingTest.event("status", "e-7", ""), "reserved_event_type");
        assertDeadLettered("pod_events", SequencingTest.event("Replay.Gap", "e-7", ""), "reserved_event_type");
        assertDeadLettered("execution_results", SequencingTest.event("ERROR", "e-7", ""), "reserved_event_type");
        assertDeadLettered("system_events", "{\"event_type\":\"shutdown\",\"retry_ms\":0}", "reserved_event_type");
        assertDeadLettered("notification_events", "{\"user_id\":\"alice\",\"event_type\":\"status\"}", "reserved_event_type");

        assertEquals(List.of(), h.logJson("e-7"), "nothing of the refused execution events reached the log");
        assertEquals(null, h.snapshot("e-7"));
        assertEquals(List.of(), h.broadcasts(), "nor a broadcast");
        assertEquals(List.of(), h.notifications("alice"), "nor a notification");
        assertEquals(10, h.log("around").size(), "the valid events around them are relayed");
    }
}
