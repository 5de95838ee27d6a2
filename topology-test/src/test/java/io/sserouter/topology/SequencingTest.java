package io.sserouter.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sserouter.topology.testing.SseRouterTestDriver;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Sequencing, identity and status of execution events, through the production topology into Redis (in memory, the
 * same scripts). On the direct path, the one the driver's single-partition topics give by default;
 * {@link RepartitionedSequencingTest} runs the same on the repartitioned path.
 */
class SequencingTest {
    private SseRouterTestDriver h;

    /** The driver's environment: the defaults here. */
    java.util.Map<String, String> environment() {
        return java.util.Map.of();
    }

    @BeforeEach
    void start() {
        h = new SseRouterTestDriver(environment());
    }

    @AfterEach
    void stop() {
        h.close();
    }

    static String event(String type, String executionId, String extra) {
        return "{\"event_type\":\"" + type + "\",\"execution_id\":\"" + executionId + "\"" + (extra.isEmpty() ? "" : "," + extra) + "}";
    }

    @Test
    void eventsFromAllTopicsGetGaplessSeqsInArrivalOrder() {
        h.send("execution_events", event("execution_requested", "e-1", "\"metadata\":{\"user_id\":\"alice\"}"));
        h.send("execution_events", event("execution_queued", "e-1", ""));
        h.send("pod_events", event("pod_created", "e-1", ""));
        h.send("pod_events", event("pod_running", "e-1", ""));
        h.send("execution_events", event("execution_completed", "e-1", ""));
        h.send("execution_results", event("result_stored", "e-1", "\"stdout\":\"hi\""));

        List<JsonNode> log = h.logJson("e-1");
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), log.stream().map(e -> e.get("seq").asLong()).toList());
        assertEquals(List.of("1-0", "2-0", "3-0", "4-0", "5-0", "6-0"), h.logIds("e-1"));
        assertEquals(List.of("requested", "queued", "scheduled", "running", "completed", "completed"),
                log.stream().map(e -> e.get("status").asText()).toList());
        assertEquals("hi", log.get(5).get("data").get("stdout").asText(), "the producer's fields travel unchanged");

        List<String> live = h.publishedOn(h.keys().execChannel("e-1"));
        assertEquals(log.stream().map(JsonNode::toString).toList(), live, "each envelope published once, in seq order");

        JsonNode snapshot = h.snapshotJson("e-1");
        assertEquals(6, snapshot.get("last_seq").asLong());
        assertEquals("completed", snapshot.get("status").asText());
        assertEquals("alice", snapshot.get("owner").asText());
        assertEquals("result_stored", snapshot.get("last_event_type").asText());
        assertTrue(snapshot.get("terminal").asBoolean());
        assertTrue(snapshot.get("closed").asBoolean());
    }

    @Test
    void executionsAreSequencedIndependently() {
        for (int i = 0; i < 3; i++) {
            h.send("execution_events", event("execution_running", "a", ""));
            h.send("pod_events", event("pod_running", "b", ""));
        }
        assertEquals(List.of(1L, 2L, 3L), h.logJson("a").stream().map(e -> e.get("seq").asLong()).toList());
        assertEquals(List.of(1L, 2L, 3L), h.logJson("b").stream().map(e -> e.get("seq").asLong()).toList());
    }

    @Test
    void aRepeatedEventIdIsSequencedOnce() {
        h.send("execution_events", event("execution_requested", "e-2", "\"event_id\":\"ev-1\""));
        h.send("execution_events", event("execution_requested", "e-2", "\"event_id\":\"ev-1\""));
        h.send("pod_events", event("pod_created", "e-2", "\"event_id\":\"ev-2\""));
        h.send("execution_events", event("execution_requested", "e-2", "\"event_id\":\"ev-1\""));

        List<JsonNode> log = h.logJson("e-2");
        assertEquals(List.of("ev-1", "ev-2"), log.stream().map(e -> e.get("event_id").asText()).toList());
        assertEquals(2, h.snapshotJson("e-2").get("last_seq").asLong());
        assertEquals(2, h.publishedOn(h.keys().execChannel("e-2")).size());
    }

    @Test
    void aRepeatIsRecognisedAsLongAsItsIdentityIsAmongTheLatestOfItsExecution() {
        try (SseRouterTestDriver small = new SseRouterTestDriver(java.util.Map.of("SSE_DEDUP_WINDOW", "3"))) {
            for (int i = 1; i <= 5; i++) {
                small.send("execution_events", event("custom_log", "e-9", "\"event_id\":\"ev-" + i + "\""));
            }
            small.send("execution_events", event("custom_log", "e-9", "\"event_id\":\"ev-3\"")); // third latest: a repeat
            small.send("pod_events", event("custom_log", "e-9", "\"event_id\":\"ev-5\"")); // from another topic too
            small.send("execution_events", event("custom_log", "e-9", "\"event_id\":\"ev-2\"")); // beyond the window of 3
            assertEquals(List.of("ev-1", "ev-2", "ev-3", "ev-4", "ev-5", "ev-2"),
                    small.logJson("e-9").stream().map(e -> e.get("event_id").asText()).toList(),
                    "an identity beyond the window is no longer known, and gets a seq again, as documented");
        }
    }

    @Test
    void statusNeverMovesBackwardsAndTerminalIsSticky() {
        // pod_running overtakes the queue events, as it may when they come from different topics
        h.send("pod_events", event("pod_running", "e-3", ""));
        h.send("execution_events", event("execution_queued", "e-3", ""));
        h.send("pod_events", event("pod_scheduled", "e-3", ""));
        h.send("execution_events", event("execution.timeout", "e-3", ""));
        h.send("execution_events", event("execution_completed", "e-3", ""));
        h.send("pod_events", event("pod_running", "e-3", ""));

        List<JsonNode> log = h.logJson("e-3");
        assertEquals(List.of("running", "running", "running", "timeout", "timeout", "timeout"),
                log.stream().map(e -> e.get("status").asText()).toList());
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), log.stream().map(e -> e.get("seq").asLong()).toList(),
                "late events are still logged with their own seq");
        assertEquals("execution_timeout", log.get(3).get("event_type").asText(), "dotted spelling is the same type");
        assertEquals("timeout", h.snapshotJson("e-3").get("status").asText());
        assertTrue(h.snapshotJson("e-3").get("closed").asBoolean());
    }

    @Test
    void unknownTypesAreRelayedAndLeaveTheStatus() {
        h.send("execution_events", event("execution_accepted", "e-4", ""));
        h.send("execution_events", event("custom_progress", "e-4", "\"percent\":40"));
        List<JsonNode> log = h.logJson("e-4");
        assertEquals("custom_progress", log.get(1).get("event_type").asText());
        assertEquals("queued", log.get(1).get("status").asText());
        assertFalse(h.snapshotJson("e-4").get("closed").asBoolean());
    }

    @Test
    void theOwnerIsTheFirstUserSeen() {
        h.send("pod_events", event("pod_created", "e-5", ""));
        h.send("execution_events", event("execution_requested", "e-5", "\"metadata\":{\"user_id\":\"bob\"}"));
        h.send("execution_events", event("execution_started", "e-5", "\"metadata\":{\"user_id\":\"mallory\"}"));
        assertEquals("bob", h.snapshotJson("e-5").get("owner").asText());
    }

    @Test
    void theOwnersLogHasEveryEventOfTheirExecutionsOnceInOrderIncludingThoseBeforeTheOwnerWasKnown() {
        h.send("pod_events", event("pod_created", "e-6", ""));
        h.send("execution_events", event("execution_requested", "e-7", "\"metadata\":{\"user_id\":\"bob\"}"));
        h.send("pod_events", event("pod_scheduled", "e-6", ""));
        h.send("execution_events", event("execution_requested", "e-6", "\"metadata\":{\"user_id\":\"bob\"}"));
        h.send("execution_events", event("execution_requested", "e-8", "\"metadata\":{\"user_id\":\"ann\"}"));
        h.send("execution_events", event("execution_started", "e-6", "\"metadata\":{\"user_id\":\"mallory\"}"));
        h.send("pod_events", event("pod_running", "e-7", ""));

        assertEquals(List.of("e-7:1", "e-6:1", "e-6:2", "e-6:3", "e-6:4", "e-7:2"),
                h.userLog("bob").stream().map(e -> e.executionId() + ":" + e.seq()).toList());
        assertEquals(List.of("e-8:1"), h.userLog("ann").stream().map(e -> e.executionId() + ":" + e.seq()).toList());
        assertEquals(List.of(), h.userLog("mallory"), "only the owner's log gets an execution's events");
    }

    @Test
    void timestampsAreNormalisedAndFilledIn() {
        h.send("execution_events", event("execution_requested", "e-6", "\"timestamp\":\"2026-03-01T10:00:00+02:00\""));
        h.send("execution_events", event("execution_queued", "e-6", ""));
        List<JsonNode> log = h.logJson("e-6");
        assertEquals("2026-03-01T08:00:00Z", log.get(0).get("timestamp").asText());
        assertFalse(log.get(1).get("timestamp").asText().isEmpty(), "the record time stands in for a missing timestamp");
    }

    /**
     * The status store is the executions' outbox: a state lists the writes Redis has not acknowledged yet, so a
     * restored state brings them back. A write goes to Redis as soon as it is made when no batch is in flight (here,
     * with Redis answering at once, always): it waits for no timed flush, and the next put of its execution drops it.
     */
    @Test
    void aStateListsOnlyTheWritesRedisHasNotAcknowledged() {
        KeyValueStore<String, ExecutionState> store = h.driver().getKeyValueStore(Catalogue.STATUS_STORE);
        int events = 3 * ExecutionSequencer.MAX_UNWRITTEN_PER_EXECUTION + 5;
        int most = 0;
        for (int i = 0; i < events; i++) {
            h.pipe("pod_events", event("pod_log", "chatty", "\"line\":" + i));
            most = Math.max(most, store.get("chatty").unwritten().size());
            assertEquals(i + 1, h.logJson("chatty").size(), "written to Redis at once, without waiting for the timed flush");
        }
        assertEquals(1, most, "a put lists its own write only: Redis had acknowledged the ones before");
        assertEquals(List.of((long) events), store.get("chatty").unwritten().stream().map(SinkWrite::seq).toList(),
                "still listed: the state was stored before Redis acknowledged it");
        h.pipe("pod_events", event("pod_log", "chatty", "\"line\":\"last\""));
        assertEquals(List.of((long) events + 1), store.get("chatty").unwritten().stream().map(SinkWrite::seq).toList(),
                "the next put drops what Redis acknowledged");
        h.advance(h.settings().flushInterval().multipliedBy(2));
        h.advance(h.settings().evictionInterval());
        assertEquals(List.of(), store.get("chatty").unwritten(),
                "the sweep stores a state whose writes are all acknowledged without them, so a restart does not send them again");
        assertEquals(events + 1, store.get("chatty").lastSeq());
    }

    @Test
    void finishedAndIdleExecutionsAreEvictedAfterRetention() {
        try (SseRouterTestDriver short_ = new SseRouterTestDriver(java.util.Map.of(
                "SSE_STATE_RETENTION_SECONDS", "60", "SSE_IDLE_RETENTION_SECONDS", "600", "SSE_EVICTION_INTERVAL_SECONDS", "10"))) {
            short_.send("execution_events", event("execution_cancelled", "done", ""));
            short_.send("execution_events", event("execution_running", "busy", ""));
            KeyValueStore<String, ExecutionState> store = short_.driver().getKeyValueStore(Catalogue.STATUS_STORE);
            short_.advance(Duration.ofSeconds(70));
            assertEquals(null, store.get("done"), "finished execution evicted after its retention");
            assertEquals(1, store.get("busy").lastSeq(), "a running execution stays");
            short_.send("execution_events", event("execution_running", "busy", ""));
            short_.advance(Duration.ofSeconds(590));
            assertEquals(2, store.get("busy").lastSeq(), "idle time counts from the latest event");
            short_.advance(Duration.ofSeconds(20));
            assertEquals(null, store.get("busy"), "idle execution evicted");
        }
    }
}
