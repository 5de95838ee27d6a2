package io.sserouter.contract;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The latest known state of one execution, kept in Redis for clients that connect or poll.
 *
 * @param owner      user id of the first event that carried one; null until known
 * @param lastSeq    seq of the latest event; an SSE {@code status} event carries it as its id
 * @param terminal   status is one of the terminal four
 * @param closed     a closing event was relayed, so streams of this execution end
 * @param updatedAt  when the topology last wrote this snapshot (ISO-8601), so a reader can tell its age
 * @param eventTime  timestamp of the latest event (ISO-8601)
 */
public record StatusSnapshot(
        String executionId,
        ExecutionStatus status,
        String owner,
        long lastSeq,
        String lastEventType,
        boolean terminal,
        boolean closed,
        String updatedAt,
        String eventTime) {

    /** Reads a snapshot as the topology stores it; null stays null (no snapshot: the execution is unknown or expired). */
    public static StatusSnapshot parse(String json) {
        return json == null ? null : Json.read(json, StatusSnapshot.class);
    }

    /** The snapshot as clients see it (the same fields and names as stored), to be added to before it is sent. */
    public ObjectNode toJson() {
        return Json.MAPPER.valueToTree(this);
    }
}
