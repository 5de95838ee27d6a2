package io.sserouter.edge.relay;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sserouter.contract.StatusSnapshot;
import io.sserouter.edge.auth.Principal;
import io.sserouter.edge.sse.Published;
import io.sserouter.edge.sse.SseSink;
import java.time.Duration;
import java.util.List;

/**
 * One client's stream of one execution: the execution's {@link ExecutionCursor} on a stream of its own. Every event's
 * {@code id:} is its seq, so live events go out as the channel's shared frame. The stream ends with the execution
 * (closing event and linger), or with the {@code error} that refuses it.
 */
public final class ExecutionRelay extends Relay {
    public enum State { STARTING, WAITING, LIVE, CLOSING, CLOSED }

    private final String executionId;
    private final ExecutionCursor cursor;

    /** @param resumeAfter the client's Last-Event-ID, null for a fresh connect */
    public ExecutionRelay(String executionId, Long resumeAfter, Principal principal, StreamDeps deps) {
        super(deps);
        this.executionId = executionId;
        this.cursor = new ExecutionCursor(executionId, resumeAfter, principal, deps, new Output());
    }

    @Override
    protected List<String> channels() {
        return List.of(store.keys().execChannel(executionId));
    }

    /** Relays to {@code sink}, starting from the snapshot read after the subscription (null: no event exists yet). */
    public void start(SseSink sink, StatusSnapshot snapshot) {
        start(sink, () -> cursor.start(snapshot));
    }

    public State state() {
        if (closed()) {
            return State.CLOSED;
        }
        return switch (cursor.state()) {
            case STARTING -> State.STARTING;
            case WAITING -> State.WAITING;
            case LIVE -> State.LIVE;
            case CLOSING -> State.CLOSING;
            case ENDED -> State.CLOSED;
        };
    }

    @Override
    protected void relay(Published message) {
        cursor.relay(message);
    }

    @Override
    protected boolean relaysWithoutBlocking(Published message) {
        return cursor.relaysWithoutReading(message);
    }

    @Override
    protected void resync() {
        cursor.resync();
    }

    /** The cursor's events go out with their seq as {@code id:}; the execution's end is the stream's. */
    private final class Output implements ExecutionCursor.Output {
        @Override
        public boolean write(long seq, String event, String data) {
            return send(String.valueOf(seq), event, data);
        }

        @Override
        public boolean writeLive(Published message) {
            return deliver(message);
        }

        @Override
        public void after(Duration delay, Runnable step) {
            later(delay, step);
        }

        @Override
        public void ended() {
            close();
        }

        @Override
        public void refused(String reason) {
            error(reason);
        }
    }

    @Override
    protected void describeError(ObjectNode data) {
        data.put("execution_id", executionId);
    }
}
