package io.sserouter.edge.relay;

import io.sserouter.edge.sse.Published;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The steps of one client's stream, run one at a time, in order, on the shared writer pool, so a stream needs no
 * thread of its own. Steps submitted before {@link #start(Runnable)} wait for it (messages that arrive while the response
 * is being opened). Bounded: {@link #full()} tells the caller the client is too far behind. A live message is queued
 * as itself and handed to the stream's {@code relay}: no step object per message and stream.
 *
 * <p>A live message may also be relayed at once on the subscriber's thread ({@link #relayHere}) when the stream is idle:
 * a hand-off to the pool costs a thread's wake-up per stream and message, more than writing a frame does.
 */
final class SerialInbox {
    private final Executor writers;
    private final int max;
    private final Consumer<Published> relay;
    private final Predicate<Published> relaysWithoutBlocking;
    private final Consumer<RuntimeException> onFailure;
    /** Runnable steps and Published messages, in order. */
    private final ConcurrentLinkedDeque<Object> steps = new ConcurrentLinkedDeque<>();
    private final Runnable drainTask = this::runQueued;
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicBoolean draining = new AtomicBoolean();
    private volatile boolean started;
    private volatile boolean closed;

    /**
     * {@code relay} takes each message; {@code relaysWithoutBlocking} tells whether it would take one without waiting
     * for anything (no read of Redis); {@code onFailure} runs, in order, when a step throws.
     */
    SerialInbox(Executor writers, int max, Consumer<Published> relay, Predicate<Published> relaysWithoutBlocking,
                Consumer<RuntimeException> onFailure) {
        this.writers = writers;
        this.max = max;
        this.relay = relay;
        this.relaysWithoutBlocking = relaysWithoutBlocking;
        this.onFailure = onFailure;
    }

    boolean full() {
        return queued.get() >= max;
    }

    /** Nothing of the stream is queued or running: the next live message would be relayed on the caller's thread. */
    boolean idle() {
        return started && steps.isEmpty() && !draining.get();
    }

    void submit(Runnable step) {
        queue(step);
    }

    /** Queues a live message for the stream's {@code relay}. */
    void submit(Published message) {
        queue(message);
    }

    /**
     * Relays a live message on the calling thread when nothing of the stream is queued or running and the relay would
     * not block; otherwise queues it, as {@link #submit(Published)} does.
     */
    void relayHere(Published message) {
        if (closed) {
            return;
        }
        if (!started || !steps.isEmpty() || !draining.compareAndSet(false, true)) {
            queue(message);
            return;
        }
        boolean handled = false; // here; else it reads Redis first, so it waits its turn on the pool
        try {
            if (relaysWithoutBlocking.test(message)) {
                handled = true;
                relay.accept(message);
            }
        } catch (RuntimeException e) {
            handled = true;
            onFailure.accept(e);
        } finally {
            draining.set(false);
        }
        if (!handled) {
            queue(message);
        } else if (!steps.isEmpty()) {
            drain(); // queued meanwhile by another thread, which saw the stream busy
        }
    }

    private void queue(Object step) {
        if (closed) {
            return;
        }
        steps.add(step);
        queued.incrementAndGet();
        drain();
    }

    /** Runs {@code first}, then what waits, and from now on every step as it comes. */
    void start(Runnable first) {
        steps.addFirst(first); // nothing drains before start: the head is still ours
        queued.incrementAndGet();
        started = true;
        drain();
    }

    /** Drops whatever waits; later submissions are ignored. */
    void close() {
        closed = true;
        steps.clear();
    }

    private void drain() {
        if (!started || !draining.compareAndSet(false, true)) {
            return;
        }
        writers.execute(drainTask);
    }

    private void runQueued() {
        try {
            Object step;
            while ((step = steps.poll()) != null) {
                queued.decrementAndGet();
                if (closed) {
                    continue;
                }
                try {
                    if (step instanceof Published message) {
                        relay.accept(message);
                    } else {
                        ((Runnable) step).run();
                    }
                } catch (RuntimeException e) {
                    onFailure.accept(e);
                }
            }
        } finally {
            draining.set(false);
            if (!steps.isEmpty()) {
                drain();
            }
        }
    }
}
