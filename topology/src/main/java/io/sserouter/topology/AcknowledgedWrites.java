package io.sserouter.topology;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;

/**
 * The execution writes Redis acknowledged lately, oldest first: those within {@code window} before the newest, at most
 * {@link #MAX} of them, kept in memory so that they can be sent again to a master that took over without them.
 * Used by one writer's sender at a time.
 */
final class AcknowledgedWrites {
    /** Bounds the memory kept (an envelope and a snapshot each, about 1 KB). */
    static final int MAX = 2_000;

    private final Duration window;
    private final ArrayDeque<Acknowledged> writes = new ArrayDeque<>();

    private record Acknowledged(long atNanos, SinkWrite write) {
    }

    AcknowledgedWrites(Duration window) {
        this.window = window;
    }

    /** Keeps the batch's execution writes, and forgets those older than the window before the newest. */
    void add(List<SinkWrite> batch) {
        if (window.isZero()) {
            return;
        }
        long now = System.nanoTime();
        for (SinkWrite write : batch) {
            if (write.kind() == SinkWrite.Kind.EXECUTION) {
                writes.addLast(new Acknowledged(now, write));
            }
        }
        while (!writes.isEmpty() && (writes.size() > MAX || writes.peekFirst().atNanos() < now - window.toNanos())) {
            writes.removeFirst();
        }
    }

    /** The writes kept, in the order Redis acknowledged them. */
    List<SinkWrite> list() {
        return writes.stream().map(Acknowledged::write).toList();
    }
}
