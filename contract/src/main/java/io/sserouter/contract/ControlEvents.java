package io.sserouter.contract;

import java.util.Set;

/**
 * The SSE event names the edge itself sends, and the reasons its {@code error} event carries. A producer's event
 * type may never take one of these names: a client could not tell the edge's word from a producer's, so the
 * topology dead-letters such a record (reason {@code reserved_event_type}).
 */
public final class ControlEvents {
    /** The snapshot of an execution, sent on a fresh connect; its id is the snapshot's last seq. */
    public static final String STATUS = "status";
    /** Events after the client's Last-Event-ID are no longer retained: first retained seq and the snapshot. */
    public static final String REPLAY_GAP = "replay_gap";
    /** The stream ends for a reason (see the {@code REASON_} names). */
    public static final String ERROR = "error";
    /** The instance is draining: reconnect after the given delay. */
    public static final String SHUTDOWN = "shutdown";

    public static final String REASON_TOKEN_EXPIRED = "token_expired";
    public static final String REASON_CONNECTION_LIMIT = "connection_limit";
    public static final String REASON_FORBIDDEN = "forbidden";
    public static final String REASON_NOT_FOUND = "not_found";
    public static final String REASON_UNAVAILABLE = "unavailable";

    private static final Set<String> NAMES = Set.of(STATUS, REPLAY_GAP, ERROR, SHUTDOWN);

    private ControlEvents() {
    }

    /** Whether a (normalised) event type is one of the edge's own event names. */
    public static boolean isReserved(String normalisedType) {
        return NAMES.contains(normalisedType);
    }

    public static Set<String> names() {
        return NAMES;
    }
}
