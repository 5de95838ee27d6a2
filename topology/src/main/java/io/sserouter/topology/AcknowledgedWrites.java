package io.sserouter.topology;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

/**
 * The execution writes Redis acknowledged lately, oldest first, kept in memory so that they can be sent again to a
 * master that took over without them. Used by one writer's sender at a time.
 *
 * <p>A write is at risk until its master has passed it to a replica, which normally takes milliseconds. It is
 * forgotten once a later write of its own execution has been acknowledged at least {@code confirm} after it: Redis
 * then still had it, long enough after for a replica to have it too. A write of another execution proves nothing,
 * since it may live on another master: a master that dies while its executions are quiet is found out only when
 * their next writes reach the master that took over, however long the others have been written meanwhile. A write
 * no later write confirms (an execution's last) is kept at most {@code keep}, and at most {@link #MAX} are kept.
 */
final class AcknowledgedWrites {
    /** Bounds the memory kept (an envelope and a snapshot each, about 1 KB). */
    static final int MAX = 2_000;

    private final long confirmNanos;
    private final long keepNanos;
    private final LongSupplier clock;
    private final ArrayDeque<Acknowledged> writes = new ArrayDeque<>();
    /** When each execution with writes kept had its newest write acknowledged. */
    private final Map<String, Long> newest = new HashMap<>();

    private record Acknowledged(long atNanos, SinkWrite write) {
    }

    AcknowledgedWrites(Duration confirm, Duration keep) {
        this(confirm, keep, System::nanoTime);
    }

    AcknowledgedWrites(Duration confirm, Duration keep, LongSupplier clock) {
        this.confirmNanos = confirm.toNanos();
        this.keepNanos = confirm.isZero() ? 0 : Math.max(confirm.toNanos(), keep.toNanos());
        this.clock = clock;
    }

    /**
     * Keeps the batch's execution writes, and forgets the oldest while they are confirmed, too old, or beyond
     * {@link #MAX}. Only the oldest are looked at, so each batch costs what it adds: a confirmed write behind an
     * unconfirmed one waits its turn, and sent again meanwhile it changes nothing.
     */
    void add(List<SinkWrite> batch) {
        if (confirmNanos == 0) {
            return;
        }
        long now = clock.getAsLong();
        for (SinkWrite write : batch) {
            if (write.kind() == SinkWrite.Kind.EXECUTION) {
                writes.addLast(new Acknowledged(now, write));
                newest.put(write.target(), now);
            }
        }
        while (!writes.isEmpty() && (writes.size() > MAX || done(writes.peekFirst(), now))) {
            writes.removeFirst();
        }
        if (newest.size() > 2 * writes.size() + 64) {
            newest.keySet().retainAll(writes.stream().map(w -> w.write().target()).collect(Collectors.toSet()));
        }
    }

    private boolean done(Acknowledged write, long now) {
        return newest.get(write.write().target()) - write.atNanos() >= confirmNanos || now - write.atNanos() >= keepNanos;
    }

    /** The writes kept, in the order Redis acknowledged them. */
    List<SinkWrite> list() {
        return writes.stream().map(Acknowledged::write).toList();
    }
}
