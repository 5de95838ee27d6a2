package io.sserouter.topology;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writes a processor has made safe in its store and not yet sent to Redis, and their sending in one pipeline.
 * While Redis is unreachable it retries with backoff, but for at most {@code redisMaxBlock} per flush, so the
 * stream thread keeps polling Kafka and stays in its group; the writes wait, and a caller that flushes on a full
 * batch slows intake to the retry pace.
 */
final class RedisWriter {
    private static final Logger LOG = LoggerFactory.getLogger(RedisWriter.class);
    private static final Duration MIN_BACKOFF = Duration.ofMillis(50);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(1);
    private static final Duration LOG_EVERY = Duration.ofSeconds(30);

    private final String name;
    private final EventSink sink;
    private final TopologySettings settings;
    private final TopologyMetrics metrics;
    private final List<SinkWrite> waiting = new ArrayList<>();
    private Duration backoff = MIN_BACKOFF;
    private long failingSince;
    private long lastWarning;

    RedisWriter(String name, EventSink sink, TopologySettings settings, TopologyMetrics metrics) {
        this.name = name;
        this.sink = sink;
        this.settings = settings;
        this.metrics = metrics;
    }

    void add(SinkWrite write) {
        waiting.add(write);
        metrics.pending(1);
    }

    int waiting() {
        return waiting.size();
    }

    /** Sends what waits; once Redis has all of it (written now or already there), tells {@code acknowledged} and forgets it. */
    void flush(Consumer<List<SinkWrite>> acknowledged) {
        if (!waiting.isEmpty() && write(waiting)) {
            acknowledged.accept(waiting);
            forget();
        }
    }

    /** One last attempt, without telling anyone: the caller's store may be gone, and what it lists is written again. */
    void close() {
        if (!waiting.isEmpty()) {
            write(waiting);
        }
        forget();
    }

    private void forget() {
        metrics.pending(-waiting.size());
        waiting.clear();
    }

    private boolean write(List<SinkWrite> batch) {
        long deadline = System.nanoTime() + settings.redisMaxBlock().toNanos();
        while (true) {
            try {
                long start = System.nanoTime();
                EventSink.Outcome outcome = sink.write(batch);
                metrics.redisBatch(System.nanoTime() - start, outcome.written(), outcome.alreadyPresent(), outcome.rejected());
                if (outcome.rejected() > 0) {
                    LOG.error("{}: Redis rejected {} of {} writes (wrong key type?); they are skipped", name, outcome.rejected(), batch.size());
                }
                recovered(batch.size());
                return true;
            } catch (EventSink.UnavailableException | RuntimeException e) {
                failed(e, batch.size());
                if (System.nanoTime() + backoff.toNanos() > deadline) {
                    return false;
                }
                sleep(backoff);
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    private void failed(Exception e, int waiting) {
        metrics.redisFailure();
        long now = System.currentTimeMillis();
        if (failingSince == 0) {
            failingSince = now;
        }
        if (now - lastWarning >= LOG_EVERY.toMillis()) {
            lastWarning = now;
            LOG.warn("Redis unreachable for {} s ({}); {} writes of {} wait in the store and will be retried",
                    (now - failingSince) / 1000, e.getMessage(), waiting, name);
        }
    }

    private void recovered(int written) {
        if (failingSince != 0) {
            LOG.info("Redis reachable again after {} s; {} writes of {} caught up", (System.currentTimeMillis() - failingSince) / 1000, written, name);
            failingSince = 0;
            lastWarning = 0;
            metrics.redisRecovered();
        }
        backoff = MIN_BACKOFF;
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
