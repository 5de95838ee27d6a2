package io.sserouter.topology;

import java.util.List;

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
 * @param owner     the execution's owner, null while unknown: its events are then appended to the owner's log
 *                  (the user stream's) once it is known (executions only)
 * @param earlier   events of the execution sequenced before its owner was known, appended to the owner's log
 *                  before this one; only on the write that first knows the owner
 */
public record SinkWrite(Kind kind, String target, long seq, String dedupId, String source, String envelope, String snapshot,
                        boolean finished, String owner, List<Earlier> earlier) {
    public enum Kind { EXECUTION, NOTIFICATION, SYSTEM }

    /** An event sequenced while its execution's owner was unknown: its seq and envelope. */
    public record Earlier(long seq, String envelope) {
    }

    public SinkWrite {
        earlier = earlier == null ? List.of() : earlier; // a write stored before the field existed
    }

    /** A write that appends nothing to an owner's log: notifications, system events. */
    public SinkWrite(Kind kind, String target, long seq, String dedupId, String source, String envelope, String snapshot, boolean finished) {
        this(kind, target, seq, dedupId, source, envelope, snapshot, finished, null, List.of());
    }

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
