package example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sserouter.contract.ExecutionEnvelope;
import io.sserouter.contract.ExecutionStatus;
import io.sserouter.contract.StatusSnapshot;
import io.sserouter.topology.testing.DeadLetter;
import io.sserouter.topology.testing.SseRouterTestDriver;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a producer's records become in sse-router, without Kafka or Redis: the production topology runs in a
 * TopologyTestDriver and writes to an in-memory Redis that runs the product's own scripts.
 */
class ExampleProducerTest {
    /** Stands in for your producer: the record it sends for one step of an execution. */
    private static String event(String type, String executionId) {
        return "{\"event_type\":\"" + type + "\",\"execution_id\":\"" + executionId + "\",\"metadata\":{\"user_id\":\"alice\"}}";
    }

    @Test
    void anExecutionsLifecycleReachesClientsInOrder() {
        try (SseRouterTestDriver sse = new SseRouterTestDriver()) {
            sse.send("execution_events", event("execution_requested", "exec-42"));
            sse.send("execution_events", event("execution_queued", "exec-42"));
            sse.send("pod_events", event("pod_running", "exec-42"));
            sse.send("execution_events", event("execution_completed", "exec-42"));
            sse.send("execution_results", event("result_stored", "exec-42"));

            List<ExecutionEnvelope> log = sse.log("exec-42");
            assertEquals(List.of(1L, 2L, 3L, 4L, 5L), log.stream().map(ExecutionEnvelope::seq).toList(), "gapless seq, in arrival order");
            assertEquals("pod_running", log.get(2).eventType());
            assertEquals(log, sse.published("exec-42"), "each event published live once, in order");

            StatusSnapshot snapshot = sse.snapshot("exec-42");
            assertEquals(ExecutionStatus.COMPLETED, snapshot.status());
            assertEquals(5, snapshot.lastSeq());
            assertEquals("alice", snapshot.owner());
            assertTrue(snapshot.closed(), "result_stored closes the execution's streams");
        }
    }

    @Test
    void aRecordTheRouterCannotUseIsDeadLetteredWithItsReason() {
        try (SseRouterTestDriver sse = new SseRouterTestDriver()) {
            sse.send("execution_events", "{\"event_type\":\"execution_requested\"}");
            sse.send("execution_events", event("status", "exec-43"));

            List<DeadLetter> dead = sse.deadLetters();
            assertEquals(List.of("missing_execution_id", "reserved_event_type"), dead.stream().map(DeadLetter::reason).toList());
            assertEquals("execution_events", dead.get(0).sourceTopic());
            assertEquals("{\"event_type\":\"execution_requested\"}", dead.get(0).valueAsString(), "the record as it was sent");
            assertNull(sse.snapshot("exec-43"), "nothing of it reached Redis");
        }
    }

    @Test
    void theReplayLogExpiresAndTheSnapshotStays() {
        try (SseRouterTestDriver sse = new SseRouterTestDriver()) {
            sse.send("execution_events", event("execution_running", "exec-44"));
            sse.advance(Duration.ofMinutes(6)); // the log is kept 5 minutes after its last event (SSE_BUFFER_TTL_SECONDS)

            assertEquals(List.of(), sse.log("exec-44"));
            assertEquals(ExecutionStatus.RUNNING, sse.snapshot("exec-44").status(), "the snapshot is kept 24 h");
        }
    }
}
