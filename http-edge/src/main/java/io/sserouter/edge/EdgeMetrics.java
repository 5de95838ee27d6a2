package io.sserouter.edge;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** The edge's meters, named as the contract lists them. */
public final class EdgeMetrics {
    private final MeterRegistry registry;
    private final Counter sent;
    private final Counter replayed;
    private final Counter gaps;
    private final Counter failures;
    private final Timer duration;
    private final Timer latency;
    private final ConcurrentHashMap<String, Counter> rejected = new ConcurrentHashMap<>();

    public EdgeMetrics(MeterRegistry registry) {
        this.registry = registry;
        sent = Counter.builder("sse.messages.sent").description("SSE events written to clients").register(registry);
        replayed = Counter.builder("sse.replayed.events").description("Events sent from the replay log").register(registry);
        gaps = Counter.builder("sse.replay.gaps").description("replay_gap events: a resuming client asked for events no longer retained")
                .register(registry);
        failures = Counter.builder("sse.stream.failures").description("Streams ended by an unexpected error").register(registry);
        duration = Timer.builder("sse.connection.duration").description("How long SSE streams stayed open").register(registry);
        latency = Timer.builder("sse.delivery.latency").description("Event timestamp to the write to the client")
                .publishPercentiles(0.5, 0.99).register(registry);
    }

    public void activeConnections(Supplier<Number> count) {
        // strong references: a gauge holds its source weakly by default, and a method reference is garbage at once
        io.micrometer.core.instrument.Gauge.builder("sse.connections.active", count, s -> s.get().doubleValue())
                .description("Open SSE streams on this instance").strongReference(true).register(registry);
    }

    public void pipelineHeartbeatAge(Supplier<Number> seconds) {
        io.micrometer.core.instrument.Gauge.builder("sse.pipeline.heartbeat.age.seconds", seconds, s -> s.get().doubleValue())
                .description("Seconds since a topology instance last reported itself running and connected to Kafka (-1: never)")
                .strongReference(true).register(registry);
    }

    /** Alerts tell an edge cut off from Redis apart from one that merely has nothing to relay. */
    public void redisUp(BooleanSupplier up) {
        io.micrometer.core.instrument.Gauge.builder("sse.redis.up", up, s -> s.getAsBoolean() ? 1 : 0)
                .description("1 while the Redis subscriber connection is up, else 0").strongReference(true).register(registry);
    }

    public void sent() {
        sent.increment();
    }

    public void replayed() {
        replayed.increment();
    }

    public void gap() {
        gaps.increment();
    }

    public void rejected(String reason) {
        rejected.computeIfAbsent(reason, r -> Counter.builder("sse.connections.rejected").tag("reason", r)
                .description("Connections refused or cut off, by reason").register(registry)).increment();
    }

    public void slowClient() {
        rejected("slow_client");
    }

    public void failure() {
        failures.increment();
    }

    public void closed(Duration open) {
        duration.record(open);
    }

    public void delivered(long eventMillis) {
        if (eventMillis > 0) {
            long lag = System.currentTimeMillis() - eventMillis;
            if (lag >= 0) {
                latency.record(Duration.ofMillis(lag));
            }
        }
    }
}
