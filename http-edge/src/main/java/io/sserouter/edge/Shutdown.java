package io.sserouter.edge;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.sserouter.edge.relay.Relay;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge's graceful shutdown, in phases a load balancer and the clients can follow: readiness turns 503 and new
 * streams are refused at once (DRAINING); every open stream gets a {@code shutdown} event asking it to reconnect
 * after its own delay, spread over the grace period so the other instances are not hit by every client at once;
 * what is still open when the grace period ends is closed (CLOSING), and the clients resume elsewhere by
 * Last-Event-ID, so nothing is lost.
 */
final class Shutdown {
    enum Phase { SERVING, DRAINING, CLOSING, STOPPED }

    private static final Logger LOG = LoggerFactory.getLogger(Shutdown.class);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);
    private static final Duration PROBE_EVERY = Duration.ofMillis(500);

    private final AtomicInteger phase = new AtomicInteger(Phase.SERVING.ordinal());
    private final AtomicLong deadlineMillis = new AtomicLong();
    private final Counter notified;
    private final Counter closedAtEnd;

    Shutdown(MeterRegistry registry) {
        Gauge.builder("sse.shutdown.phase", phase, AtomicInteger::get).strongReference(true)
                .description("0 serving, 1 draining (not ready, streams told to reconnect), 2 closing the rest, 3 stopped")
                .register(registry);
        // An alert compares this with the time: an edge still draining after it is stuck, whatever its grace period.
        Gauge.builder("sse.shutdown.deadline.timestamp.seconds", deadlineMillis, d -> d.get() / 1000.0).strongReference(true)
                .description("Epoch seconds by which a drain in progress ends (grace period plus closing); 0 while serving")
                .register(registry);
        notified = Counter.builder("sse.shutdown.streams").tag("step", "notified")
                .description("Streams told to reconnect elsewhere, and streams still open when the grace period ended")
                .register(registry);
        closedAtEnd = Counter.builder("sse.shutdown.streams").tag("step", "closed").register(registry);
    }

    boolean draining() {
        return phase.get() != Phase.SERVING.ordinal();
    }

    /**
     * Runs the drain and returns when every stream is closed, at most {@code grace} plus a few seconds later.
     * Clients that leave early shorten it.
     */
    void drain(Duration grace, Supplier<List<Relay>> streams, IntSupplier open) {
        if (!phase.compareAndSet(Phase.SERVING.ordinal(), Phase.DRAINING.ordinal())) {
            return;
        }
        deadlineMillis.set(System.currentTimeMillis() + grace.toMillis() + CLOSE_WAIT.toMillis());
        List<Relay> current = streams.get();
        LOG.info("Draining: {} open streams told to reconnect within {} ms", current.size(), grace.toMillis());
        long spread = Math.max(1, grace.toMillis() * 3 / 4);
        for (Relay stream : current) {
            stream.shutdown(ThreadLocalRandom.current().nextLong(spread));
            notified.increment();
        }
        // A client that left is only noticed when a write to it fails, so probe often while waiting for them.
        awaitNone(open, grace, () -> streams.get().forEach(Relay::heartbeat));
        phase.set(Phase.CLOSING.ordinal());
        List<Relay> rest = streams.get();
        if (!rest.isEmpty()) {
            LOG.info("Grace period over: closing the {} streams still open", rest.size());
        }
        rest.forEach(Relay::stop);
        closedAtEnd.increment(rest.size());
        awaitNone(open, CLOSE_WAIT, () -> { });
        phase.set(Phase.STOPPED.ordinal());
    }

    private static void awaitNone(IntSupplier open, Duration timeout, Runnable probe) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long nextProbe = System.nanoTime() + PROBE_EVERY.toNanos();
        while (open.getAsInt() > 0 && System.nanoTime() < deadline) {
            if (System.nanoTime() >= nextProbe) {
                probe.run();
                nextProbe = System.nanoTime() + PROBE_EVERY.toNanos();
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
