package io.sserouter.edge.relay;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sserouter.contract.ControlEvents;
import io.sserouter.config.RedisFailures;
import io.sserouter.contract.Json;
import io.sserouter.edge.EdgeMetrics;
import io.sserouter.edge.redis.EventStore;
import io.sserouter.edge.sse.Published;
import io.sserouter.edge.sse.SseSink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One client's stream, the part every kind of stream shares: its channels, its serial inbox, its timers, heartbeats,
 * the drain notice, and how it ends. The request subscribes it first (so nothing published while the response is
 * being opened is missed), then starts it on the response; from then on every step runs on the inbox, one at a time,
 * in order. Closing may also come from the subscriber thread (a client too far behind), so it is idempotent from any
 * thread and cancels the stream's timers wherever they were started.
 */
public abstract class Relay implements EventStore.Listener {
    /** How long an open stream waits for Redis to answer again (a cluster's failover takes its node timeout, 15 s by default). */
    static final Duration REDIS_PATIENCE = Duration.ofSeconds(60);
    private static final Duration FIRST_RETRY = Duration.ofMillis(250);
    private static final Duration LAST_RETRY = Duration.ofSeconds(2);
    protected final EventStore store;
    protected final EdgeMetrics metrics;
    private final ScheduledExecutorService timers;
    private final SerialInbox inbox;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final Set<ScheduledFuture<?>> pendingTimers = ConcurrentHashMap.newKeySet();
    private volatile SseSink sink;
    /** Set once the first step has run; then, while Redis fails, when it started failing and what is retried when. */
    private boolean begun;
    private long failingSince;
    private boolean recovering;
    private Duration retryDelay = FIRST_RETRY;

    protected Relay(StreamDeps deps) {
        this.store = deps.store();
        this.metrics = deps.metrics();
        this.timers = deps.timers();
        this.inbox = new SerialInbox(deps.writers(), deps.settings().clientQueueMax(), this::relay, this::relaysWithoutBlocking,
                this::failed);
    }

    /**
     * The stream's channels, in the order {@link #listener} numbers them. Named anew when needed rather than kept:
     * the subscriber holds each channel's name once for all the streams on it.
     */
    protected abstract List<String> channels();

    /** Subscribes every channel of the stream, each confirmed by Redis; when one fails, none stays subscribed. */
    public final void subscribe() throws EventStore.UnavailableException {
        List<String> channels = channels();
        List<Integer> done = new ArrayList<>();
        try {
            for (int i = 0; i < channels.size(); i++) {
                store.subscribe(channels.get(i), listener(i));
                done.add(i);
            }
        } catch (EventStore.UnavailableException e) {
            done.forEach(i -> store.unsubscribe(channels.get(i), listener(i)));
            throw e;
        }
    }

    /**
     * Who receives the messages of the {@code index}-th channel: the stream itself, which relays every channel alike.
     * A stream that must tell its channels apart (a resync concerns one channel) gives each its own listener, which
     * hands messages on to {@link #onMessage}.
     */
    protected EventStore.Listener listener(int index) {
        return this;
    }

    /** Writes to {@code sink} from now on: {@code first} runs before any message that arrived since the subscription. */
    protected final void start(SseSink sink, Runnable first) {
        this.sink = sink;
        if (closing.get()) {
            sink.close(); // ended (too far behind) before it started
            return;
        }
        inbox.start(() -> {
            first.run();
            begun = true;
        });
    }

    /** Ends a stream that was subscribed but will not be started (the request was refused after the subscription). */
    public final void abandon() {
        close();
    }

    /** To {@link #relay}, in order: here when the subscriber has time for it, else on the writer pool. */
    @Override
    public final void onMessage(Published message, boolean mayRelayHere) {
        if (tooFarBehind()) {
            return;
        }
        if (mayRelayHere) {
            inbox.relayHere(message);
        } else {
            inbox.submit(message);
        }
    }

    /**
     * Too far behind: the stream ends here rather than queue more. The client resumes by Last-Event-ID, and nothing is
     * held in memory for it meanwhile.
     */
    private boolean tooFarBehind() {
        if (!inbox.full()) {
            return false;
        }
        if (!closing.get()) {
            metrics.slowClient();
            close();
        }
        return true;
    }

    @Override
    public final void onResync() {
        submit(this::resync);
    }

    /** One live message, in order, on the inbox. */
    protected abstract void relay(Published message);

    /**
     * True when {@link #relay} would take {@code message} without reading Redis (the next in order, or one already
     * sent), so that it may run on the subscriber's thread. Called in the stream's turn, as a step is.
     */
    protected boolean relaysWithoutBlocking(Published message) {
        return false;
    }

    /** The subscription was lost and is back: fill in what may have been missed. */
    protected abstract void resync();

    /** A read of Redis failed in some step: fill in whatever that step did not relay. */
    protected void recover() {
        resync();
    }

    /**
     * A step threw. When Redis did not answer (a failover, a restart, a slot moving) the stream stays open and tries
     * again, as the subscriber does, for up to {@link #REDIS_PATIENCE}: what the step did not relay is in the log, and
     * {@link #recover} sends it once Redis answers. Ending the stream instead would send every client of that Redis
     * back at once, to be refused with 503 while the failover lasts, which a browser's EventSource takes as final.
     * Anything else, or a stream that never got going, ends it; the client resumes by Last-Event-ID.
     */
    private void failed(RuntimeException e) {
        metrics.failure();
        if (!begun || !RedisFailures.passing(e)) {
            close();
            return;
        }
        long now = System.nanoTime();
        if (failingSince == 0) {
            failingSince = now;
        } else if (now - failingSince > REDIS_PATIENCE.toNanos()) {
            close();
            return;
        }
        if (!recovering) {
            recovering = true;
            later(retryDelay, () -> {
                recovering = false;
                recover(); // throws again while Redis does not answer: back here, with a longer delay
                failingSince = 0;
                retryDelay = FIRST_RETRY;
            });
            retryDelay = retryDelay.multipliedBy(2).compareTo(LAST_RETRY) > 0 ? LAST_RETRY : retryDelay.multipliedBy(2);
        }
    }

    public final void heartbeat() {
        submit(() -> {
            if (!sink.comment("ping")) {
                close();
            }
        });
    }

    /** Tells the client why ({@code token_expired}, {@code connection_limit}), then ends the stream. */
    public final void end(String reason) {
        submit(() -> error(reason));
    }

    /**
     * This instance is draining: tells the client to reconnect (elsewhere) after {@code reconnectAfterMillis}, with a
     * {@code retry:} hint of the same delay for clients that only reconnect when the stream ends. Keeps relaying.
     */
    public final void shutdown(long reconnectAfterMillis) {
        submit(() -> {
            String data = "{\"reason\":\"draining\",\"reconnect_after_ms\":" + reconnectAfterMillis + "}";
            if (!sink.retry(reconnectAfterMillis) || !sink.event(null, ControlEvents.SHUTDOWN, data)) {
                close();
            }
        });
    }

    /** Ends the stream from outside (client gone, shutdown), after what is already queued. */
    public final void stop() {
        submit(this::close);
    }

    protected final void error(String reason) {
        ObjectNode data = Json.MAPPER.createObjectNode().put("reason", reason);
        describeError(data);
        sink.event(null, ControlEvents.ERROR, data.toString());
        close();
    }

    /** Adds what identifies the stream to its {@code error} event. */
    protected void describeError(ObjectNode data) {
    }

    /** Writes one event; a client that is gone ends the stream. */
    protected final boolean send(String id, String event, String data) {
        if (sink.event(id, event, data)) {
            metrics.sent();
            return true;
        }
        close();
        return false;
    }

    /** Writes one live message ({@code id:} its seq when it has one); only what reached the client counts as delivered. */
    protected final boolean deliver(Published message) {
        boolean written = message.seq() > 0 ? sink.event(message) : sink.event(null, message);
        if (written) {
            metrics.sent();
            metrics.delivered(message.timestampMillis());
            return true;
        }
        close();
        return false;
    }

    /**
     * Writes one live message under a per-stream {@code id} (a stream whose ids are not the seq): encoded for this
     * stream alone, where {@link #deliver(Published)} writes the channel's shared frame.
     */
    protected final boolean deliver(String id, Published message) {
        if (sink.event(id, message)) {
            metrics.sent();
            metrics.delivered(message.timestampMillis());
            return true;
        }
        close();
        return false;
    }

    /** Runs {@code step} on the inbox after {@code delay}, unless the stream has closed by then. */
    protected final void later(Duration delay, Runnable step) {
        ScheduledFuture<?> timer = timers.schedule(() -> submit(step), delay.toMillis(), TimeUnit.MILLISECONDS);
        pendingTimers.add(timer);
        if (closing.get()) {
            timer.cancel(false); // closed meanwhile, from another thread, which may not have seen this timer
        }
    }

    protected final boolean closed() {
        return closing.get();
    }

    /** Called once, from whichever thread closes the stream. */
    protected void onClosed() {
    }

    protected final void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        // cancelled, not left queued: a queued timer would keep the closed stream reachable until it fired
        pendingTimers.forEach(timer -> timer.cancel(false));
        List<String> channels = channels();
        for (int i = 0; i < channels.size(); i++) {
            store.unsubscribe(channels.get(i), listener(i));
        }
        inbox.close();
        SseSink current = sink;
        if (current != null) {
            current.close();
        }
        onClosed();
    }

    protected final void submit(Runnable step) {
        inbox.submit(step);
    }
}
