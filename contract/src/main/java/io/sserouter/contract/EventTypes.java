package io.sserouter.contract;

import java.util.Map;
import java.util.Set;

/** Event type spelling, the status each type implies, and which types end a stream. */
public final class EventTypes {
    private static final Map<String, ExecutionStatus> STATUS = Map.ofEntries(
            Map.entry("execution_requested", ExecutionStatus.REQUESTED),
            Map.entry("execution_accepted", ExecutionStatus.QUEUED),
            Map.entry("execution_queued", ExecutionStatus.QUEUED),
            Map.entry("pod_created", ExecutionStatus.SCHEDULED),
            Map.entry("pod_scheduled", ExecutionStatus.SCHEDULED),
            Map.entry("execution_started", ExecutionStatus.RUNNING),
            Map.entry("execution_running", ExecutionStatus.RUNNING),
            Map.entry("pod_running", ExecutionStatus.RUNNING),
            Map.entry("execution_completed", ExecutionStatus.COMPLETED),
            Map.entry("pod_succeeded", ExecutionStatus.COMPLETED),
            Map.entry("result_stored", ExecutionStatus.COMPLETED),
            Map.entry("execution_failed", ExecutionStatus.FAILED),
            Map.entry("pod_failed", ExecutionStatus.FAILED),
            Map.entry("result_failed", ExecutionStatus.FAILED),
            Map.entry("execution_timeout", ExecutionStatus.TIMEOUT),
            Map.entry("execution_cancelled", ExecutionStatus.CANCELLED));

    private static final Set<String> CLOSING = Set.of(
            "result_stored", "result_failed", "execution_failed", "execution_timeout", "execution_cancelled");

    private EventTypes() {
    }

    /**
     * Event types travel in the SSE {@code event:} line, so they must never carry a line break or space: 1 to 128
     * characters of {@code [A-Za-z0-9_.:-]}, the alphabet of ids.
     */
    public static boolean validSyntax(String type) {
        return Ids.token(type);
    }

    /** Dotted and underscored spellings are one type: {@code execution.completed} is {@code execution_completed}. */
    public static String normalise(String type) {
        return type.trim().replace('.', '_').toLowerCase(java.util.Locale.ROOT);
    }

    /** The status a normalised type implies, or null for types that leave the status as it is. */
    public static ExecutionStatus statusOf(String normalisedType) {
        return STATUS.get(normalisedType);
    }

    /** Whether relaying this normalised type ends an execution's stream. */
    public static boolean closes(String normalisedType) {
        return CLOSING.contains(normalisedType);
    }
}
