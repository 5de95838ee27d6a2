package io.sserouter.edge;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** The edge's meters, named as the contract lists them. */
final class EdgeMetrics {
    private final Counter sent;
    private final Counter replayed;
    private final Counter slow;
    private final Counter failures;

    EdgeMetrics(MeterRegistry registry) {
        sent = Counter.builder("sse.messages.sent").description("SSE events written to clients").register(registry);
        replayed = Counter.builder("sse.replayed.events").description("Events sent from the replay log").register(registry);
        slow = Counter.builder("sse.connections.rejected").tag("reason", "slow_client").register(registry);
        failures = Counter.builder("sse.stream.failures").description("Streams ended by an unexpected error").register(registry);
    }

    void sent() {
        sent.increment();
    }

    void replayed() {
        replayed.increment();
    }

    void slowClient() {
        slow.increment();
    }

    void failure() {
        failures.increment();
    }

    double sentTotal() {
        return sent.count();
    }
}
