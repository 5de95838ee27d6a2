package io.sserouter.edge.relay;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sserouter.contract.ControlEvents;
import io.sserouter.contract.Json;
import io.sserouter.contract.StatusSnapshot;
import io.sserouter.edge.EdgeSettings;
import io.sserouter.edge.auth.Ownership;
import io.sserouter.edge.auth.Principal;
import io.sserouter.edge.redis.LoggedEvent;
import io.sserouter.edge.redis.PipelineHealth;
import io.sserouter.edge.sse.Published;
import io.sserouter.edge.sse.SseSink;
import java.util.List;

/**
 * One client's stream of one execution. It is subscribed before the snapshot is read, and starts from that snapshot:
 * a fresh client gets it as a {@code status} event, a resuming one the retained events after its Last-Event-ID. Then
 * live events, merged with the log by seq: a live event at or below the last one sent is a repeat and dropped; one
 * beyond the next expected seq means messages were missed, and the gap is filled from the log. A stream opened before
 * the execution's owner is known waits (bounded), relays nothing until then, and then relays every event from seq 1,
 * as if it had resumed from 0. Every step runs on the stream's serial inbox.
 */
public final class ExecutionRelay extends Relay {
    public enum State { STARTING, WAITING, LIVE, CLOSING, CLOSED }

    private final String executionId;
    private final Principal principal;
    private final EdgeSettings settings;
    private final PipelineHealth pipeline;
    private volatile State state = State.STARTING;
    // the fields below are only touched by the stream's serial steps
    private Long resumeAfter;
    private long lastSent = -1;
    private boolean waitTimerStarted;

    /** @param resumeAfter the client's Last-Event-ID, null for a fresh connect */
    public ExecutionRelay(String executionId, Long resumeAfter, Principal principal, StreamDeps deps) {
        super(deps, List.of(deps.store().keys().execChannel(executionId)));
        this.executionId = executionId;
        this.resumeAfter = resumeAfter;
        this.principal = principal;
        this.settings = deps.settings();
        this.pipeline = deps.pipeline();
    }

    /** Relays to {@code sink}, starting from the snapshot read after the subscription (null: no event exists yet). */
    public void start(SseSink sink, StatusSnapshot snapshot) {
        start(sink, () -> catchUp(snapshot));
    }

    public State state() {
        return state;
    }

    private void catchUp(StatusSnapshot snapshot) {
        String owner = snapshot == null ? null : snapshot.owner();
        if (snapshot == null || !Ownership.mayRead(principal, owner)) {
            if (owner == null) {
                waitForOwner();
            } else {
                error(ControlEvents.REASON_FORBIDDEN);
            }
            return;
        }
        long lastSeq = snapshot.lastSeq();
        state = State.LIVE; // before the replay, which may see a closing event and start the close
        if (resumeAfter == null || resumeAfter > lastSeq) {
            send(String.valueOf(lastSeq), ControlEvents.STATUS, pipeline.describe(snapshot).toString());
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
            later(settings.firstEventWait(), this::giveUpWaiting);
        }
    }

    @Override
    protected void relay(Published message) {
        if (state == State.WAITING) {
            catchUp(store.snapshot(executionId));
            return;
        }
        if (state != State.LIVE && state != State.CLOSING) {
            return;
        }
        if (message.seq() <= lastSent) {
            return; // already sent (from the log, or a repeat)
        }
        if (message.seq() > lastSent + 1) {
            replayUpTo(message.seq() - 1, null); // messages were missed: the log has them
        }
        if (message.seq() > lastSent) {
            if (!deliver(message)) {
                return;
            }
            lastSent = message.seq();
        }
        if (message.closing()) {
            closeSoon();
        }
    }

    @Override
    protected void resync() {
        if (state == State.LIVE || state == State.CLOSING) {
            replayUpTo(Long.MAX_VALUE, null);
        } else if (state == State.WAITING) {
            catchUp(store.snapshot(executionId));
        }
    }

    /** Sends every retained event after {@code lastSent} up to {@code upTo}; a {@code replay_gap} first if some are gone. */
    private void replayUpTo(long upTo, StatusSnapshot knownSnapshot) {
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
                gapEvent(null, snapshot);
                lastSent = snapshot.lastSeq();
            }
            return;
        }
        long first = retained.get(0).seq();
        if (first > lastSent + 1) {
            gapEvent(first, knownSnapshot != null ? knownSnapshot : store.snapshot(executionId));
        }
        for (LoggedEvent entry : retained) {
            if (entry.seq() > upTo || closed()) {
                break;
            }
            Published logged = Published.parse(entry.envelope());
            send(String.valueOf(entry.seq()), logged.eventType(), entry.envelope());
            metrics.replayed();
            lastSent = entry.seq();
            if (logged.closing()) {
                closeSoon();
            }
        }
    }

    private void gapEvent(Long firstRetained, StatusSnapshot snapshot) {
        ObjectNode data = Json.MAPPER.createObjectNode();
        data.put("execution_id", executionId);
        data.put("last_event_id", lastSent);
        if (firstRetained == null) {
            data.putNull("first_retained_seq");
        } else {
            data.put("first_retained_seq", firstRetained);
        }
        data.set("snapshot", snapshot == null ? null : snapshot.toJson());
        long id = firstRetained != null ? firstRetained - 1 : snapshot == null ? lastSent : snapshot.lastSeq();
        send(String.valueOf(id), ControlEvents.REPLAY_GAP, data.toString());
    }

    private void closeSoon() {
        if (state == State.CLOSING || state == State.CLOSED) {
            return;
        }
        state = State.CLOSING;
        later(settings.closeLinger(), this::close);
    }

    private void giveUpWaiting() {
        if (state == State.WAITING) {
            error(ControlEvents.REASON_NOT_FOUND);
        }
    }

    @Override
    protected void describeError(ObjectNode data) {
        data.put("execution_id", executionId);
    }

    @Override
    protected void onClosed() {
        state = State.CLOSED;
    }
}
