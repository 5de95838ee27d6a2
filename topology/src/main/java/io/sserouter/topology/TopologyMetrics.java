package io.sserouter.topology;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;

/** The topology's own meters; Kafka Streams client metrics are bound separately in {@code Main}. */
public final class TopologyMetrics {
    private final MeterRegistry registry;
    private final ConcurrentHashMap<String, Counter> processed = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> deadLettered = new ConcurrentHashMap<>();
    private final Counter duplicates;
    private final Counter rerouted;
    private final Counter handedOver;
    private final Counter resumed;
    private final Counter redisWritten;
    private final Counter redisSkipped;
    private final Counter redisRejected;
    private final Counter redisFailures;
    private final Counter redisRepaired;
    private final Counter redisGaps;
    private final Counter evicted;
    private final Timer redisBatch;
    private final AtomicInteger redisUp = new AtomicInteger(1);
    private final AtomicLong pending = new AtomicLong();

    public TopologyMetrics(MeterRegistry registry) {
        this.registry = registry;
        duplicates = Counter.builder("sse.router.duplicates").description("Repeated events (same event_id or source record) not sequenced again").register(registry);
        rerouted = Counter.builder("sse.router.events.rerouted")
                .description("Direct path: execution events read on another partition than their execution id's, sent through 'unified'")
                .register(registry);
        handedOver = Counter.builder("sse.router.events.handed.over")
                .description("Direct path: execution events read on their execution's partition but sent through 'unified' behind what was there, while their task started")
                .register(registry);
        resumed = Counter.builder("sse.router.executions.resumed")
                .description("Direct path: executions found further on in Redis than in the restored state after a restart, resumed from Redis")
                .register(registry);
        redisWritten = Counter.builder("sse.router.redis.writes").tag("result", "written").description("Redis writes by outcome").register(registry);
        redisSkipped = Counter.builder("sse.router.redis.writes").tag("result", "already_present").register(registry);
        redisRejected = Counter.builder("sse.router.redis.writes").tag("result", "rejected").register(registry);
        redisFailures = Counter.builder("sse.router.redis.failures").description("Failed attempts to reach Redis (retried)").register(registry);
        redisRepaired = Counter.builder("sse.router.redis.writes.repaired")
                .description("Execution writes Redis had acknowledged and then lacked (a master lost them in a failover), written again")
                .register(registry);
        redisGaps = Counter.builder("sse.router.redis.log.gaps")
                .description("Execution events written over a gap: Redis had lost earlier writes that were no longer at hand to write again")
                .register(registry);
        evicted = Counter.builder("sse.router.executions.evicted").description("Executions dropped from the state store after retention").register(registry);
        redisBatch = Timer.builder("sse.router.redis.write.latency").description("Time of one pipelined Redis write batch")
                .publishPercentiles(0.5, 0.99).publishPercentileHistogram().register(registry);
        registry.gauge("sse.router.redis.up", redisUp);
        registry.gauge("sse.router.redis.pending.writes", pending);
    }

    /**
     * One series per Kafka Streams state, 1 for the current one: Kafka's own state metric is text, which the
     * Prometheus registry leaves out, and a numeric state code would not read well in an alert.
     */
    void streamsState(Supplier<KafkaStreams.State> state) {
        for (KafkaStreams.State each : KafkaStreams.State.values()) {
            Gauge.builder("sse.router.streams.state", state, s -> s.get() == each ? 1 : 0)
                    .tag("state", each.name().toLowerCase(Locale.ROOT)).strongReference(true)
                    .description("1 for the current state of this instance's Kafka Streams client, else 0").register(registry);
        }
    }

    void processed(String kind) {
        processed.computeIfAbsent(kind, k -> Counter.builder("sse.router.events.processed").tag("kind", k)
                .description("Events sequenced and queued for Redis").register(registry)).increment();
    }

    void deadLettered(String reason) {
        deadLettered.computeIfAbsent(reason, r -> Counter.builder("sse.router.events.dead.lettered").tag("reason", r)
                .description("Records sent to the dead-letter topic").register(registry)).increment();
    }

    void duplicate() {
        duplicates.increment();
    }

    /** An execution event sent through 'unified' on the direct path: read on its execution's partition while its task started, or elsewhere. */
    void rerouted(boolean placed) {
        (placed ? handedOver : rerouted).increment();
    }

    void resumedFromRedis() {
        resumed.increment();
    }

    double resumedCount() {
        return resumed.count();
    }

    double reroutedCount() {
        return rerouted.count();
    }

    double handedOverCount() {
        return handedOver.count();
    }

    void evicted(int count) {
        evicted.increment(count);
    }

    void redisBatch(long nanos, int written, int skipped, int rejected) {
        redisBatch.record(nanos, TimeUnit.NANOSECONDS);
        redisWritten.increment(written);
        redisSkipped.increment(skipped);
        redisRejected.increment(rejected);
    }

    void redisRepaired(int writes) {
        redisRepaired.increment(writes);
    }

    void redisGaps(int writes) {
        redisGaps.increment(writes);
    }

    void redisFailure() {
        redisFailures.increment();
        redisUp.set(0);
    }

    void redisRecovered() {
        redisUp.set(1);
    }

    boolean redisUp() {
        return redisUp.get() == 1;
    }

    void pending(long delta) {
        pending.addAndGet(delta);
    }

    long pending() {
        return pending.get();
    }

    double deadLetteredTotal() {
        return deadLettered.values().stream().mapToDouble(Counter::count).sum();
    }
}
