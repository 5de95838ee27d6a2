package io.sserouter.topology;

import io.sserouter.config.EventTypes;
import io.sserouter.config.ExecutionEnvelope;
import io.sserouter.config.ExecutionStatus;
import io.sserouter.config.Json;
import io.sserouter.config.StatusSnapshot;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Gives each event of an execution the next gapless seq, drops repeats of an event already sequenced, applies
 * the status rules, remembers the owner, and hands the Redis write downstream. Deterministic given the store and
 * the input order, which is what makes re-processing after a crash rewrite the same seqs.
 */
final class ExecutionSequencer implements Processor<String, Inbound, String, SinkWrite> {
    private final TopologySettings settings;
    private final TopologyMetrics metrics;
    private ProcessorContext<String, SinkWrite> context;
    private KeyValueStore<String, ExecutionState> store;

    ExecutionSequencer(TopologySettings settings, TopologyMetrics metrics) {
        this.settings = settings;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, SinkWrite> context) {
        this.context = context;
        this.store = context.getStateStore(Catalogue.STATUS_STORE);
        context.schedule(settings.evictionInterval(), PunctuationType.WALL_CLOCK_TIME, this::evict);
    }

    @Override
    public void process(Record<String, Inbound> record) {
        Inbound event = record.value();
        String id = event.executionId();
        ExecutionState before = store.get(id);
        if (before == null) {
            before = ExecutionState.fresh();
        }
        if (before.seen(event.dedupId())) {
            metrics.duplicate();
            return;
        }
        ExecutionStatus status = before.status().advance(EventTypes.statusOf(event.eventType()));
        long now = context.currentSystemTimeMs();
        ExecutionState after = before.next(event, status, EventTypes.closes(event.eventType()), now, settings.dedupWindow());
        store.put(id, after);

        ExecutionEnvelope envelope = new ExecutionEnvelope(id, after.lastSeq(), event.eventType(), status,
                event.timestamp(), event.eventId(), event.data());
        StatusSnapshot snapshot = new StatusSnapshot(id, status, after.owner(), after.lastSeq(), after.lastEventType(),
                status.terminal(), after.closed(), Instant.ofEpochMilli(now).toString(), after.lastEventTime());
        metrics.processed("execution");
        context.forward(record.withValue(new SinkWrite(SinkWrite.Kind.EXECUTION, id, after.lastSeq(), event.dedupId(), event.source(),
                Json.write(envelope), Json.write(snapshot), after.finished())));
    }

    /** Drops finished executions after their retention and idle ones after theirs, so the store stays bounded. */
    private void evict(long now) {
        long finishedCutoff = now - settings.finishedRetention().toMillis();
        long idleCutoff = now - settings.idleRetention().toMillis();
        List<String> expired = new ArrayList<>();
        try (KeyValueIterator<String, ExecutionState> all = store.all()) {
            while (all.hasNext()) {
                KeyValue<String, ExecutionState> entry = all.next();
                ExecutionState state = entry.value;
                if ((state.finished() && state.finishedAt() <= finishedCutoff) || state.touchedAt() <= idleCutoff) {
                    expired.add(entry.key);
                }
            }
        }
        expired.forEach(store::delete);
        if (!expired.isEmpty()) {
            metrics.evicted(expired.size());
        }
    }

}
