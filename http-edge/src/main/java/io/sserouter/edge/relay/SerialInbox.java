package io.sserouter.edge.relay;

import io.sserouter.edge.sse.Published;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The steps of one client's stream, run one at a time, in order, on the shared writer pool, so a stream needs no
 * thread of its own. Steps submitted before {@link #start(Runnable)} wait for it (messages that arrive while the response
 * is being opened). Bounded: {@link #full()} tells the caller the client is too far behind. A live message is queued
 * as itself and handed to the stream's {@code relay}: no step object per message and stream.
 */
final class SerialInbox {
    private final Executor writers;
    private final int max;
    private final Consumer<Published> relay;
    private final Consumer<RuntimeException> onFailure;
    /** Runnable steps and Published messages, in order. */
    private final ConcurrentLinkedDeque<Object> steps = new ConcurrentLinkedDeque<>();
    private final Runnable drainTask = this::runQueued;
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicBoolean draining = new AtomicBoolean();
    private volatile boolean started;
    private volatile boolean closed;

    /** {@code relay} takes each message, {@code onFailure} runs (in order, on the pool) when a step throws. */
    SerialInbox(Executor writers, int max, Consumer<Published> relay, Consumer<RuntimeException> onFailure) {
        this.writers = writers;
        this.max = max;
        this.relay = relay;
        this.onFailure = onFailure;
    }

    boolean full() {
        return queued.get() >= max;
    }

    void submit(Runnable step) {
        queue(step);
    }

    /** Queues a live message for the stream's {@code relay}. */
    void submit(Published message) {
        queue(message);
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
