package io.sserouter.topology;

import java.util.List;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Redis sink of notifications and system events, as a transactional outbox (executions keep theirs in the
 * status store, see {@link ExecutionSequencer}). Each write is first put in a changelogged store, so it is part of
 * the same Kafka commit as the input offset that produced it; it is removed only after Redis acknowledged it.
 * Writes are batched (size or a short wall-clock interval) and pipelined. After a crash the store is restored
 * with every write whose offset was committed but whose Redis write may not have happened, and {@link #init}
 * performs them again; Redis refuses what it already has. So no offset is ever committed for an event that is
 * neither in Redis nor in the outbox, under exactly-once and at-least-once alike, and nothing depends on a
 * store flush running before a commit.
 */
final class RedisOutbox<K> implements Processor<K, SinkWrite, Void, Void> {
    private static final Logger LOG = LoggerFactory.getLogger(RedisOutbox.class);

    private final String storeName;
    private final RedisWriter writer;
    private final TopologySettings settings;
    private KeyValueStore<String, SinkWrite> store;

    RedisOutbox(String storeName, EventSink sink, TopologySettings settings, TopologyMetrics metrics) {
        this.storeName = storeName;
        this.writer = new RedisWriter(storeName, sink, settings, metrics);
        this.settings = settings;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        store = context.getStateStore(storeName);
        try (KeyValueIterator<String, SinkWrite> restored = store.all()) {
            while (restored.hasNext()) {
                writer.add(restored.next().value);
            }
        }
        if (writer.waiting() > 0) {
            LOG.info("{} for task {}: {} writes restored from the outbox, writing them to Redis", storeName, context.taskId(), writer.waiting());
            writer.flush(this::acknowledged);
        }
        context.schedule(settings.flushInterval(), PunctuationType.WALL_CLOCK_TIME, now -> writer.flushIfIdle(this::acknowledged));
    }

    @Override
    public void process(Record<K, SinkWrite> record) {
        SinkWrite write = record.value();
        store.put(write.outboxKey(), write);
        writer.add(write);
        writer.flushAfterAdd(this::acknowledged);
    }

    private void acknowledged(List<SinkWrite> written) {
        written.forEach(w -> store.delete(w.outboxKey()));
    }

    @Override
    public void close() {
        // Best effort, without touching the store (the task may be committed already): whatever is left stays
        // in the outbox and is written again, harmlessly, by whichever instance restores it.
        writer.close();
    }
}
