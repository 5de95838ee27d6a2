package io.sserouter.topology;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Redis sink, as a transactional outbox. Each write is first put in a changelogged store, so it is part of
 * the same Kafka commit as the input offset that produced it; it is removed only after Redis acknowledged it.
 * Writes are batched (size or a short wall-clock interval) and pipelined. After a crash the store is restored
 * with every write whose offset was committed but whose Redis write may not have happened, and {@link #init}
 * performs them again; Redis refuses what it already has. So no offset is ever committed for an event that is
 * neither in Redis nor in the outbox, under exactly-once and at-least-once alike, and nothing depends on a
 * store flush running before a commit.
 */
final class RedisOutbox<K> implements Processor<K, SinkWrite, Void, Void> {
    private static final Logger LOG = LoggerFactory.getLogger(RedisOutbox.class);
    private static final Duration MIN_BACKOFF = Duration.ofMillis(50);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(1);
    private static final Duration LOG_EVERY = Duration.ofSeconds(30);

    private final String storeName;
    private final RedisSink sink;
    private final TopologySettings settings;
    private final TopologyMetrics metrics;
    private final List<SinkWrite> buffer = new ArrayList<>();
    private KeyValueStore<String, SinkWrite> store;
    private Duration backoff = MIN_BACKOFF;
    private long failingSince;
    private long lastWarning;

    RedisOutbox(String storeName, RedisSink sink, TopologySettings settings, TopologyMetrics metrics) {
        this.storeName = storeName;
        this.sink = sink;
        this.settings = settings;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        store = context.getStateStore(storeName);
        try (KeyValueIterator<String, SinkWrite> restored = store.all()) {
            while (restored.hasNext()) {
                KeyValue<String, SinkWrite> entry = restored.next();
                buffer.add(entry.value);
            }
        }
        if (!buffer.isEmpty()) {
            LOG.info("{} for task {}: {} writes restored from the outbox, writing them to Redis", storeName, context.taskId(), buffer.size());
            metrics.pending(buffer.size());
            flush();
        }
        context.schedule(settings.flushInterval(), PunctuationType.WALL_CLOCK_TIME, now -> flush());
    }

    @Override
    public void process(Record<K, SinkWrite> record) {
        SinkWrite write = record.value();
        store.put(write.outboxKey(), write);
        buffer.add(write);
        metrics.pending(1);
        if (buffer.size() >= settings.flushBatch()) {
            flush();
        }
    }

    /**
     * Writes the buffer to Redis. While Redis is unreachable it retries with backoff, but for at most
     * {@code redisMaxBlock} per call so the thread keeps polling Kafka and stays in its group; the writes wait,
     * safe in the outbox, and a full buffer slows intake to the retry pace (back-pressure).
     */
    private void flush() {
        if (!buffer.isEmpty() && write()) {
            buffer.forEach(w -> store.delete(w.outboxKey()));
            metrics.pending(-buffer.size());
            buffer.clear();
        }
    }

    private boolean write() {
        long deadline = System.nanoTime() + settings.redisMaxBlock().toNanos();
        while (true) {
            try {
                long start = System.nanoTime();
                RedisSink.Outcome outcome = sink.write(buffer);
                metrics.redisBatch(System.nanoTime() - start, outcome.written(), outcome.alreadyPresent(), outcome.rejected());
                if (outcome.rejected() > 0) {
                    LOG.error("{}: Redis rejected {} of {} writes (wrong key type?); they are skipped", storeName, outcome.rejected(), buffer.size());
                }
                recovered();
                return true;
            } catch (RedisSink.UnavailableException | RuntimeException e) {
                failed(e);
                if (System.nanoTime() + backoff.toNanos() > deadline) {
                    return false;
                }
                sleep(backoff);
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    private void failed(Exception e) {
        metrics.redisFailure();
        long now = System.currentTimeMillis();
        if (failingSince == 0) {
            failingSince = now;
        }
        if (now - lastWarning >= LOG_EVERY.toMillis()) {
            lastWarning = now;
            LOG.warn("Redis unreachable for {} s ({}); {} writes of {} wait in the outbox and will be retried",
                    (now - failingSince) / 1000, e.getMessage(), buffer.size(), storeName);
        }
    }

    private void recovered() {
        if (failingSince != 0) {
            LOG.info("Redis reachable again after {} s; {} outbox writes caught up", (System.currentTimeMillis() - failingSince) / 1000, storeName);
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

    @Override
    public void close() {
        // Best effort, without touching the store (the task may be committed already): whatever is left stays
        // in the outbox and is written again, harmlessly, by whichever instance restores it.
        if (!buffer.isEmpty()) {
            write();
        }
        metrics.pending(-buffer.size());
        buffer.clear();
    }
}
