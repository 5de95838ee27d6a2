package io.sserouter.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sserouter.contract.ExecutionEnvelope;
import io.sserouter.topology.testing.SseRouterTestDriver;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * On the direct path a task reads several topics, and after a crash Kafka Streams may hand it the records it
 * processes again in another order than the first time. An event written to Redis before the crash keeps its seq,
 * and events new to Redis come after it: each event is in the log once, whatever the order of the replay.
 */
class ReplayAfterCrashTest {
    private SseRouterTestDriver h = new SseRouterTestDriver();

    @AfterEach
    void stop() {
        h.close();
    }

    private static String event(String type, String eventId, String extra) {
        return "{\"event_type\":\"" + type + "\",\"execution_id\":\"x\",\"event_id\":\"" + eventId + "\"" + extra + "}";
    }

    private List<String> logged(String executionId) {
        return h.log(executionId).stream().map(e -> e.seq() + ":" + e.eventType()).toList();
    }

    @Test
    void anEventWrittenBeforeACrashKeepsItsSeqWhenReplayedAfterAnEventNewToRedis() {
        h.send("execution_events", event("execution_started", "a", ""));
        assertEquals(List.of("1:execution_started"), logged("x"));

        // the crash: nothing committed; the pod event, read from another topic, now comes first
        h = h.restartedAfterCrash();
        h.send("pod_events", event("pod_running", "b", ""));
        h.send("execution_events", event("execution_started", "a", ""));
        h.send("execution_events", event("execution_completed", "c", ""));

        assertEquals(List.of("1:execution_started", "2:pod_running", "3:execution_completed"), logged("x"));
        assertEquals(List.of(1L, 2L, 3L), h.published("x").stream().map(ExecutionEnvelope::seq).toList(), "each published once");
        assertEquals(3, h.snapshot("x").lastSeq());
        assertEquals(1.0, h.metrics().resumedCount(), "the execution was resumed from Redis once");
    }

    @Test
    void eventsWrittenBeforeTheOwnerWasKnownStillReachTheOwnersLogAfterACrash() {
        h.send("execution_events", event("execution_requested", "a", ""));
        h.send("execution_events", event("execution_queued", "b", ""));

        h = h.restartedAfterCrash();
        h.send("pod_events", event("pod_running", "c", ",\"metadata\":{\"user_id\":\"alice\"}"));
        h.send("execution_events", event("execution_requested", "a", ""));
        h.send("execution_events", event("execution_queued", "b", ""));

        assertEquals(List.of("1:execution_requested", "2:execution_queued", "3:pod_running"), logged("x"));
        assertEquals(List.of(1L, 2L, 3L), h.userLog("alice").stream().map(ExecutionEnvelope::seq).toList(),
                "the events sequenced before the owner was known, then the one that named the owner");
    }

    @Test
    void withoutACrashNothingIsComparedWithRedis() {
        h.send("execution_events", event("execution_started", "a", ""));
        h.send("pod_events", event("pod_running", "b", ""));
        assertEquals(List.of("1:execution_started", "2:pod_running"), logged("x"));
        assertEquals(0.0, h.metrics().resumedCount());
    }
}
