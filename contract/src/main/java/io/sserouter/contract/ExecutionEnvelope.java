package io.sserouter.contract;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One execution event as relayed to clients: the {@code data:} of an SSE event, the entry of the replay log
 * and the pub/sub message. {@code data} holds the producer's record, every field unchanged.
 */
public record ExecutionEnvelope(
        String executionId,
        long seq,
        String eventType,
        ExecutionStatus status,
        String timestamp,
        String eventId,
        JsonNode data) {
}
