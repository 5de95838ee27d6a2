package io.sserouter.edge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sserouter.contract.Json;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

/**
 * One client's stream of one execution. Subscribes first, then reads the snapshot and the replay log, then relays
 * live events, merging the two by seq: a live event at or below the last one sent is a repeat and dropped; one
 * beyond the next expected seq means messages were missed, and the gap is filled from the log. Every step runs in
 * order on a writer pool (one at a time per client), fed by a bounded inbox: a client that falls too far behind
 * is disconnected and recovers by resuming with Last-Event-ID.
 */
final class ExecutionRelay implements RedisFanout.Listener, LiveStream {
    enum State { STARTING, WAITING, LIVE, CLOSING, CLOSED }

    private final String executionId;
    private final Long resumeAfter;
    private final String channel;
    private final RedisReader reader;
    private final RedisFanout fanout;
    private final SseSink sink;
    private final EdgeSettings settings;
    private final ScheduledExecutorService timers;
    private final Predicate<String> mayRead;
    private final EdgeMetrics metrics;
    private final PipelineHealth pipeline;
    private final SerialInbox inbox;
    private final AtomicBoolean closing = new AtomicBoolean();
    private java.util.concurrent.ScheduledFuture<?> firstEventTimer; // only touched by the stream's serial steps
    private volatile State state = State.STARTING;
    private long lastSent = -1;

    ExecutionRelay(String executionId, Long resumeAfter, SseSink sink, Predicate<String> mayRead, StreamDeps deps) {
        this.executionId = executionId;
        this.resumeAfter = resumeAfter;
        this.channel = deps.reader().keys().execChannel(executionId);
        this.reader = deps.reader();
        this.fanout = deps.fanout();
        this.sink = sink;
        this.settings = deps.settings();
        this.timers = deps.timers();
        this.mayRead = mayRead;
        this.metrics = deps.metrics();
        this.pipeline = deps.pipeline();
        this.inbox = new SerialInbox(deps.writers(), settings.clientQueueMax(), () -> {
            metrics.failure();
            close();
        });
    }

    /** Subscribes (confirmed by Redis) before anything is read, then catches up on the writer pool. */
    @Override
    public void start() throws RedisFanout.UnavailableException {
        fanout.subscribe(channel, this);
        submit(this::catchUp);
    }

    /**
     * Starts the bounded wait for a first event (or a known owner), once. Only waiting streams get a timer, and it is
     * cancelled when the stream closes, so a closed stream is not kept reachable until it would have fired.
     */
    private void waitForFirstEvent() {
        state = State.WAITING;
        if (firstEventTimer == null) {
            firstEventTimer = timers.schedule(() -> submit(this::giveUpWaiting), settings.firstEventWait().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    State state() {
        return state;
    }

    @Override
    public void onMessage(Published message) {
        if (inbox.full()) {
            // This stream is too far behind: end it here rather than queue more. The client resumes by
            // Last-Event-ID, and nothing is held in memory for it meanwhile.
            if (state != State.CLOSED) {
                metrics.slowClient();
                close();
            }
            return;
        }
        submit(() -> live(message));
    }

    @Override
    public void onResync() {
        submit(this::resync);
    }

    @Override
    public void heartbeat() {
        submit(() -> {
            if (!sink.comment("ping")) {
                close();
            }
        });
    }

    @Override
    public void end(String reason) {
        submit(() -> error(reason));
    }

    @Override
    public void shutdown(long reconnectAfterMillis) {
        submit(() -> {
            if (!sink.retry(reconnectAfterMillis) || !sink.event(null, "shutdown", Shutdown.data(reconnectAfterMillis))) {
                close();
            }
        });
    }

    /** Ends the stream from outside (client gone, shutdown). */
    @Override
    public void stop() {
        submit(() -> close());
    }

    private void catchUp() {
        String json = reader.snapshot(executionId);
        if (json == null) {
            waitForFirstEvent(); // nothing exists yet: relay nothing until the first event tells who owns it
            return;
        }
        JsonNode snapshot = Json.read(json, JsonNode.class);
        String owner = StatusHandler.owner(snapshot);
        if (!mayRead.test(owner)) {
            if (owner == null) {
                waitForFirstEvent();
            } else {
                error("forbidden");
            }
            return;
        }
        long lastSeq = snapshot.path("last_seq").asLong();
        state = State.LIVE; // before the replay, which may see a closing event and start the close
        if (resumeAfter == null || resumeAfter > lastSeq) {
            send(String.valueOf(lastSeq), "status", pipeline.describe(snapshot).toString());
            lastSent = lastSeq;
        } else {
            lastSent = resumeAfter;
            replayUpTo(Long.MAX_VALUE, snapshot);
            lastSent = Math.max(lastSent, lastSeq);
        }
        if (snapshot.path("closed").asBoolean(false)) {
            closeSoon();
        }
    }

    private void live(Published message) {
        if (state == State.WAITING) {
            catchUp();
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
            if (sink.event(message)) {
                metrics.sent();
            } else {
                close();
            }
            metrics.delivered(message.timestampMillis());
            lastSent = message.seq();
        }
        if (message.closing()) {
            closeSoon();
        }
    }

    private void resync() {
        if (state == State.LIVE || state == State.CLOSING) {
            replayUpTo(Long.MAX_VALUE, null);
        } else if (state == State.WAITING) {
            catchUp();
        }
    }

    /** Sends every retained event after {@code lastSent} up to {@code upTo}; a {@code replay_gap} first if some are gone. */
    private void replayUpTo(long upTo, JsonNode knownSnapshot) {
        List<RedisReader.Logged> retained = reader.after(executionId, lastSent);
        if (retained.isEmpty() && knownSnapshot == null) {
            // A snapshot read after an empty log read may count events written in between, which would look like a
            // gap. Snapshot first, then the log again: the log holds every event the snapshot counts unless it is gone.
            knownSnapshot = snapshotNode();
            retained = reader.after(executionId, lastSent);
        }
        long first = retained.isEmpty() ? -1 : retained.get(0).seq();
        boolean gap = first > lastSent + 1;
        if (retained.isEmpty()) {
            JsonNode snapshot = knownSnapshot != null ? knownSnapshot : snapshotNode();
            gap = snapshot != null && snapshot.path("last_seq").asLong() > lastSent;
            if (gap) {
                gapEvent(null, snapshot);
                lastSent = snapshot.path("last_seq").asLong();
            }
            return;
        }
        if (gap) {
            gapEvent(first, knownSnapshot != null ? knownSnapshot : snapshotNode());
        }
        for (RedisReader.Logged entry : retained) {
            if (entry.seq() > upTo) {
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

    private void gapEvent(Long firstRetained, JsonNode snapshot) {
        ObjectNode data = Json.MAPPER.createObjectNode();
        data.put("execution_id", executionId);
        data.put("last_event_id", lastSent);
        if (firstRetained == null) {
            data.putNull("first_retained_seq");
        } else {
            data.put("first_retained_seq", firstRetained);
        }
        data.set("snapshot", snapshot);
        long id = firstRetained != null ? firstRetained - 1 : snapshot == null ? lastSent : snapshot.path("last_seq").asLong();
        send(String.valueOf(id), "replay_gap", data.toString());
    }

    private JsonNode snapshotNode() {
        String json = reader.snapshot(executionId);
        return json == null ? null : Json.read(json, JsonNode.class);
    }

    private void closeSoon() {
        if (state == State.CLOSING || state == State.CLOSED) {
            return;
        }
        state = State.CLOSING;
        timers.schedule(() -> submit(() -> close()), settings.closeLinger().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void giveUpWaiting() {
        if (state == State.WAITING) {
            error("not_found");
        }
    }

    private void error(String reason) {
        ObjectNode data = Json.MAPPER.createObjectNode();
        data.put("reason", reason);
        data.put("execution_id", executionId);
        sink.event(null, "error", data.toString());
        close();
    }

    private void send(String id, String event, String data) {
        if (sink.event(id, event, data)) {
            metrics.sent();
        } else {
            close();
        }
    }

    private void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        state = State.CLOSED;
        if (firstEventTimer != null) {
            firstEventTimer.cancel(false);
        }
        fanout.unsubscribe(channel, this);
        inbox.close();
        sink.close();
    }

    private void submit(Runnable step) {
        inbox.submit(step);
    }
}
