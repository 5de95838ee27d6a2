package io.sserouter.edge.relay;

import io.sserouter.contract.ControlEvents;
import io.sserouter.edge.sse.SseSink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Records what a stream wrote; can stall (a client that stopped reading). Like the HTTP sink it never blocks the
 * caller: a stalled client's events wait in its buffer, and once more than {@link #STALLED_BUFFER} wait it is cut off.
 */
final class RecordingSink implements SseSink {
    record Event(String id, String event, String data) {
    }

    /** Events a stalled client's buffer holds before the sink gives up on it. */
    static final int STALLED_BUFFER = 50;

    private final List<Event> events = new ArrayList<>();
    private final AtomicInteger comments = new AtomicInteger();
    private int buffered;
    private volatile boolean closed;
    private volatile boolean stalled;
    private volatile boolean gone;

    /** The client went away: every later write fails. */
    void hangUp() {
        gone = true;
    }

    void stall() {
        stalled = true;
    }

    @Override
    public boolean event(String id, String event, String data) {
        if (gone) {
            return false;
        }
        if (stalled) {
            synchronized (events) {
                if (++buffered <= STALLED_BUFFER) {
                    return !closed;
                }
            }
            close(); // the buffer overflows
            return false;
        }
        synchronized (events) {
            events.add(new Event(id, event, data));
            events.notifyAll();
        }
        return !closed;
    }

    @Override
    public boolean comment(String text) {
        comments.incrementAndGet();
        return !closed;
    }

    @Override
    public boolean retry(long millis) {
        return !closed;
    }

    @Override
    public void close() {
        closed = true;
        synchronized (events) {
            events.notifyAll();
        }
    }

    boolean closed() {
        return closed;
    }

    /** Comments written (heartbeats). */
    int comments() {
        return comments.get();
    }

    List<Event> events() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    /** Ids of the relayed execution events (control events left out). */
    List<Long> seqs() {
        return events().stream().filter(e -> !ControlEvents.isReserved(e.event()))
                .map(e -> Long.parseLong(e.id())).toList();
    }

    List<Event> await(int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (events) {
            while (events.size() < count && System.nanoTime() < deadline) {
                try {
                    events.wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                } catch (InterruptedException e) {
                    break;
                }
            }
        }
        return events();
    }

    boolean awaitClosed(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (events) {
            while (!closed && System.nanoTime() < deadline) {
                try {
                    events.wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                } catch (InterruptedException e) {
                    break;
                }
            }
        }
        return closed;
    }
}
