package io.sserouter.edge.relay;

import io.sserouter.contract.ControlEvents;
import io.sserouter.edge.EdgeMetrics;
import io.sserouter.edge.auth.Principal;
import io.sserouter.edge.redis.UserLimits;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The open streams of this instance: each holds a slot in its user's limit across every instance, ends when its
 * token expires, gets heartbeats (which also keep its slot alive), and is forgotten when its response ends.
 */
public final class StreamRegistry {
    private final Map<String, Registration> open = new ConcurrentHashMap<>();
    private final UserLimits limits;
    private final ScheduledExecutorService timers;
    private final EdgeMetrics metrics;
    private final String instance = UUID.randomUUID().toString().substring(0, 8);
    private final AtomicLong counter = new AtomicLong();

    public StreamRegistry(UserLimits limits, ScheduledExecutorService timers, EdgeMetrics metrics) {
        this.limits = limits;
        this.timers = timers;
        this.metrics = metrics;
    }

    /** A registered stream, from its slot to the end of its response. */
    public final class Registration {
        private final String id;
        /** The order it was registered in, which spreads the streams evenly over a heartbeat's slices. */
        private final long number;
        private final Principal principal;
        private final Relay relay;
        private final long opened = System.nanoTime();

        private Registration(String id, long number, Principal principal, Relay relay) {
            this.id = id;
            this.number = number;
            this.principal = principal;
            this.relay = relay;
        }

        /** The stream lives until {@code responseDone}: it ends when its token expires, and is forgotten then. */
        public void until(CompletableFuture<Void> responseDone) {
            long untilExpiry = principal.expiresAt().toEpochMilli() - System.currentTimeMillis();
            ScheduledFuture<?> expiry = timers.schedule(() -> relay.end(ControlEvents.REASON_TOKEN_EXPIRED),
                    Math.max(0, untilExpiry), TimeUnit.MILLISECONDS);
            responseDone.whenComplete((ok, error) -> {
                expiry.cancel(false);
                relay.stop();
                release();
                metrics.closed(Duration.ofNanos(System.nanoTime() - opened));
            });
        }

        /** Forgets the stream and gives its slot back. */
        public void release() {
            open.remove(id);
            try {
                limits.close(principal.userId(), id);
            } catch (RuntimeException redisDown) {
                // the slot expires by itself
            }
        }
    }

    /**
     * Takes a slot for a new stream of the user (evicting the user's oldest beyond the limit, on whatever instance)
     * and registers it here. When Redis refuses the slot this throws, and nothing stays registered.
     */
    public Registration register(Principal principal, Relay relay) {
        long number = counter.incrementAndGet();
        String id = instance + ":" + number;
        limits.open(principal, id);
        Registration registration = new Registration(id, number, principal, relay);
        open.put(id, registration);
        return registration;
    }

    public int size() {
        return open.size();
    }

    public List<Relay> streams() {
        return open.values().stream().map(r -> r.relay).toList();
    }

    /**
     * Heartbeats one slice of the streams, the {@code slice}-th of {@code slices}, and keeps their slots alive in
     * Redis. Called for each slice in turn, a heartbeat's round is spread over its interval: all the streams of an
     * instance at once were a burst of pings through the writer pool, and of slot refreshes through Redis, that held
     * up the live events of that moment.
     */
    public void heartbeat(int slice, int slices) {
        Map<String, String> users = new HashMap<>();
        open.values().forEach(r -> {
            if (r.number % slices == slice) {
                r.relay.heartbeat();
                users.put(r.id, r.principal.userId());
            }
        });
        limits.refresh(users);
    }

    /** Another instance (or this one) took a slot beyond the user's limit: end that stream, if it is here. */
    public void evict(String streamId) {
        Registration stream = open.get(streamId);
        if (stream != null) {
            metrics.rejected(ControlEvents.REASON_CONNECTION_LIMIT);
            stream.relay.end(ControlEvents.REASON_CONNECTION_LIMIT);
        }
    }
}
