package io.sserouter.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class EventTypesTest {
    @Test
    void everyContractTypeMapsToItsStatus() {
        Map<String, String> expected = Map.ofEntries(
                Map.entry("execution_requested", "requested"), Map.entry("execution_accepted", "queued"),
                Map.entry("execution_queued", "queued"), Map.entry("pod_created", "scheduled"),
                Map.entry("pod_scheduled", "scheduled"), Map.entry("execution_started", "running"),
                Map.entry("execution_running", "running"), Map.entry("pod_running", "running"),
                Map.entry("execution_completed", "completed"), Map.entry("pod_succeeded", "completed"),
                Map.entry("result_stored", "completed"), Map.entry("execution_failed", "failed"),
                Map.entry("pod_failed", "failed"), Map.entry("result_failed", "failed"),
                Map.entry("execution_timeout", "timeout"), Map.entry("execution_cancelled", "cancelled"));
        expected.forEach((type, status) -> assertEquals(status, EventTypes.statusOf(type).wire(), type));
        assertNull(EventTypes.statusOf("pod_terminated"));
        assertNull(EventTypes.statusOf("pod_deleted"));
    }

    @Test
    void dottedSpellingIsTheSameType() {
        assertEquals("execution_completed", EventTypes.normalise("execution.completed"));
        assertEquals("result_stored", EventTypes.normalise("Result.Stored"));
    }

    @Test
    void closingTypesAreTheContractsFive() {
        for (String type : new String[] {"result_stored", "result_failed", "execution_failed", "execution_timeout", "execution_cancelled"}) {
            assertTrue(EventTypes.closes(type), type);
        }
        assertFalse(EventTypes.closes("execution_completed"), "completed waits for the stored result");
        assertFalse(EventTypes.closes("pod_failed"));
    }

    @Test
    void statusNeverMovesBackwardsAndTerminalIsSticky() {
        assertEquals(ExecutionStatus.RUNNING, ExecutionStatus.RUNNING.advance(ExecutionStatus.QUEUED));
        assertEquals(ExecutionStatus.RUNNING, ExecutionStatus.QUEUED.advance(ExecutionStatus.RUNNING));
        assertEquals(ExecutionStatus.QUEUED, ExecutionStatus.QUEUED.advance(null));
        assertEquals(ExecutionStatus.CANCELLED, ExecutionStatus.CANCELLED.advance(ExecutionStatus.COMPLETED));
        assertEquals(ExecutionStatus.COMPLETED, ExecutionStatus.COMPLETED.advance(ExecutionStatus.FAILED), "the first terminal status stays");
    }
}
