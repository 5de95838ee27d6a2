package io.sserouter.edge.relay;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sserouter.contract.ControlEvents;
import io.sserouter.contract.Json;
import io.sserouter.contract.StatusSnapshot;
import io.sserouter.edge.auth.Ownership;
import io.sserouter.edge.auth.Principal;
import io.sserouter.edge.redis.EventStore;
import io.sserouter.edge.redis.LoggedEvent;
import io.sserouter.edge.sse.Published;
import java.time.Duration;
import java.util.List;

/**
 * Where one execution stands in one client's stream, and the rules that move it; the stream of one execution has one,
 * the stream of a set one per execution. It starts from the snapshot read after the subscription: a fresh client gets
 * it as a {@code status} event, a resuming one the retained events after its position. Then live events, merged with
 * the log by seq: a live event at or below the last one sent is a repeat and dropped; one beyond the next expected seq
 * means messages were missed, and the gap is filled from the log. An execution whose owner is not known yet waits
 * (bounded), relays nothing until then, and then relays every event from seq 1, as if it had resumed from 0. Not
 * thread-safe: every call runs on the owning stream's serial inbox.
 */
final class ExecutionCursor {
    enum State { STARTING, WAITING, LIVE, CLOSING, ENDED }

    /** The stream the cursor writes to. */
    interface Output {
        /** Writes an event of this execution that leaves it at {@code seq} (status, replayed, replay_gap); false: the client is gone. */
        boolean write(long seq, String event, String data);

        /** Writes a live event of this execution; false: the client is gone. */
        boolean writeLive(Published message);

        /** Runs {@code step} on the stream's inbox after {@code delay}, unless the stream has closed by then. */
        void after(Duration delay, Runnable step);

        /** The execution closed and its linger is over: nothing more of it is relayed. */
        void ended();

        /** The execution cannot be relayed ({@code forbidden}, {@code not_found}): nothing of it is relayed. */
        void refused(String reason);
    }

    private final String executionId;
    private final Principal principal;
    private final EventStore store;
    private final StreamDeps deps;
    private final Output out;
    private volatile State state = State.STARTING;
    private Long resumeAfter;
    private long lastSent = -1;
    private boolean waitTimerStarted;

    /** @param resumeAfter the seq the client has seen up to, null for a fresh connect */
    ExecutionCursor(String executionId, Long resumeAfter, Principal principal, StreamDeps deps, Output out) {
        this.executionId = executionId;
        this.resumeAfter = resumeAfter;
        this.principal = principal;
        this.store = deps.store();
        this.deps = deps;
        this.out = out;
    }

    State state() {
        return state;
    }

    /** The seq the client has seen this execution up to; -1 while it has seen nothing and would start fresh. */
    long position() {
        return lastSent >= 0 ? lastSent : resumeAfter != null ? resumeAfter : -1;
    }

    /** The first step, from the snapshot read after the subscription (null: no event exists yet). */
    void start(StatusSnapshot snapshot) {
        String owner = snapshot == null ? null : snapshot.owner();
        if (snapshot == null || !Ownership.mayRead(principal, owner)) {
            if (owner == null) {
                waitForOwner();
            } else {
                refuse(ControlEvents.REASON_FORBIDDEN);
            }
            return;
        }
        long lastSeq = snapshot.lastSeq();
        state = State.LIVE; // before the replay, which may see a closing event and start the close
        if (resumeAfter == null || resumeAfter > lastSeq) {
            out.write(lastSeq, ControlEvents.STATUS, deps.pipeline().describe(snapshot).toString());
            lastSent = lastSeq;
        } else {
            lastSent = resumeAfter;
            replayUpTo(Long.MAX_VALUE, snapshot);
            lastSent = Math.max(lastSent, lastSeq);
        }
        if (snapshot.closed()) {
            closeSoon();
        }
    }

    /**
     * Nothing is relayed until the owner is known. The client has seen nothing yet, so it then gets every event from
     * seq 1 (unless it resumes from a later one). The wait is bounded, and its timer started once.
     */
    private void waitForOwner() {
        state = State.WAITING;
        if (resumeAfter == null) {
            resumeAfter = 0L;
        }
        if (!waitTimerStarted) {
            waitTimerStarted = true;
            out.after(deps.settings().firstEventWait(), this::giveUpWaiting);
        }
    }

    /** True when {@code message} is the next to send, or one already sent: relaying it reads nothing from Redis. */
    boolean relaysWithoutReading(Published message) {
        return switch (state) {
            case WAITING -> false; // the first event: the stream starts from the snapshot
            case LIVE, CLOSING -> message.seq() <= lastSent + 1; // else the log fills the gap first
            case STARTING, ENDED -> true; // dropped
        };
    }

    void relay(Published message) {
        if (state == State.WAITING) {
            start(store.snapshot(executionId));
            return;
        }
        if (state != State.LIVE && state != State.CLOSING) {
            return;
        }
        if (message.seq() <= lastSent) {
            return; // already sent (from the log, or a repeat)
        }
        if (message.seq() > lastSent + 1 && !replayUpTo(message.seq() - 1, null)) {
            return; // messages were missed: the log had them, and the client is gone
        }
        if (message.seq() > lastSent) {
            if (!out.writeLive(message)) {
                return;
            }
            lastSent = message.seq();
        }
        if (message.closing()) {
            closeSoon();
        }
    }

    /** The subscription was lost and is back: fill in what may have been missed. */
    void resync() {
        if (state == State.LIVE || state == State.CLOSING) {
            replayUpTo(Long.MAX_VALUE, null);
        } else if (state == State.WAITING) {
            start(store.snapshot(executionId));
        }
    }

    /**
     * Sends every retained event after {@code lastSent} up to {@code upTo}; a {@code replay_gap} first if some are
     * gone. False when the client is gone.
     */
    private boolean replayUpTo(long upTo, StatusSnapshot knownSnapshot) {
        List<LoggedEvent> retained = store.after(executionId, lastSent);
        if (retained.isEmpty() && knownSnapshot == null) {
            // A snapshot read after an empty log read may count events written in between, which would look like a
            // gap. Snapshot first, then the log again: the log holds every event the snapshot counts unless it is gone.
            knownSnapshot = store.snapshot(executionId);
            retained = store.after(executionId, lastSent);
        }
        if (retained.isEmpty()) {
            StatusSnapshot snapshot = knownSnapshot != null ? knownSnapshot : store.snapshot(executionId);
            if (snapshot != null && snapshot.lastSeq() > lastSent) {
                boolean written = gapEvent(null, snapshot);
                lastSent = snapshot.lastSeq();
                return written;
            }
            return true;
        }
        long first = retained.get(0).seq();
        if (first > lastSent + 1 && !gapEvent(first, knownSnapshot != null ? knownSnapshot : store.snapshot(executionId))) {
            return false;
        }
        for (LoggedEvent entry : retained) {
            if (entry.seq() > upTo) {
                break;
            }
            Published logged = Published.parse(entry.envelope());
            if (!out.write(entry.seq(), logged.eventType(), entry.envelope())) {
                return false;
            }
            deps.metrics().replayed();
            lastSent = entry.seq();
            if (logged.closing()) {
                closeSoon();
            }
        }
        return true;
    }

    private boolean gapEvent(Long firstRetained, StatusSnapshot snapshot) {
        ObjectNode data = Json.MAPPER.createObjectNode();
        data.put("execution_id", executionId);
        data.put("last_event_id", lastSent);
        if (firstRetained == null) {
            data.putNull("first_retained_seq");
        } else {
            data.put("first_retained_seq", firstRetained);
        }
        data.set("snapshot", snapshot == null ? null : snapshot.toJson());
        long seq = firstRetained != null ? firstRetained - 1 : snapshot == null ? lastSent : snapshot.lastSeq();
        deps.metrics().gap();
        return out.write(seq, ControlEvents.REPLAY_GAP, data.toString());
    }

    private void closeSoon() {
        if (state == State.CLOSING || state == State.ENDED) {
            return;
        }
        state = State.CLOSING;
        out.after(deps.settings().closeLinger(), () -> {
            state = State.ENDED;
            out.ended();
        });
    }

    private void giveUpWaiting() {
        if (state == State.WAITING) {
            refuse(ControlEvents.REASON_NOT_FOUND);
        }
    }

    private void refuse(String reason) {
        state = State.ENDED;
        out.refused(reason);
    }
}
