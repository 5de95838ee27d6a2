package io.sserouter.topology;

/**
 * One Redis write waiting in an outbox: everything needed to perform it again after a crash.
 *
 * @param target    execution id, user id, or system event type, depending on {@code kind}
 * @param seq       the execution event's seq (0 for notifications and system events)
 * @param dedupId   identity of notifications and system events, which have no seq to be idempotent by
 * @param source    where the event was read (topic/partition/offset), which orders the outbox of non-execution writes
 * @param envelope  the JSON published and logged
 * @param snapshot  the execution's status snapshot JSON after this event (executions only)
 * @param finished  the execution reached a terminal status or a closing event
 */
public record SinkWrite(Kind kind, String target, long seq, String dedupId, String source, String envelope, String snapshot, boolean finished) {
    public enum Kind { EXECUTION, NOTIFICATION, SYSTEM }

    /** Outbox key: sorts an execution's writes by seq, others by source offset. */
    String outboxKey() {
        return kind == Kind.EXECUTION ? "x|" + target + "|" + padded(seq) : "o|" + source;
    }

    /** Zero-padded to 19 digits, so keys sort as numbers; String.format costs more than the rest of the key. */
    static String padded(long value) {
        String digits = Long.toString(value);
        return "0".repeat(19 - digits.length()) + digits;
    }
}
