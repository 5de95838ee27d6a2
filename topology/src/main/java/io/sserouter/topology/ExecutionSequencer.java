package io.sserouter.topology;

import io.sserouter.contract.EventTypes;
import io.sserouter.contract.ExecutionEnvelope;
import io.sserouter.contract.ExecutionStatus;
import io.sserouter.contract.Json;
import io.sserouter.contract.StatusSnapshot;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives each event of an execution the next gapless seq, drops repeats of an event already sequenced, applies
 * the status rules, remembers the owner, and writes the event to Redis. Deterministic given the store and the
 * input order, which is what makes re-processing after a crash rewrite the same seqs. The input is one partition
 * of 'unified' on the repartitioned path, and on the direct path the task's partitions of the execution topics and
 * of 'unified', merged by record time, which a replay reproduces unless records arrived out of record-time order
 * ({@link Routing}, docs/architecture.md).
 *
 * <p>The execution's state doubles as its transactional outbox: each Redis write is stored in the state's
 * {@code unwritten} list by the same put that records the new seq, so it is part of the same Kafka commit as the
 * input offset. Writes are batched (size, a short wall-clock interval, or 16 waiting for one execution) and
 * pipelined; once Redis acknowledged them, the next put of that execution drops them, or the store sweep after its
 * last event. After a crash {@link #init} finds the writes still listed in the
 * restored states and performs them again; Redis refuses what it already has. One put per event, where a separate
 * outbox store would cost a put and a delete more, each with its changelog record.
 */
final class ExecutionSequencer implements Processor<String, Inbound, Void, Void> {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutionSequencer.class);
    /** Bounds what one put of a state carries; each listed write is about as large as the event. */
    static final int MAX_UNWRITTEN_PER_EXECUTION = 16;

    private final TopologySettings settings;
    private final TopologyMetrics metrics;
    private final RedisWriter writer;
    /** Per execution, the highest seq Redis acknowledged since its state was last stored. */
    private final Map<String, Long> acknowledged = new HashMap<>();
    private final boolean direct;
    /** On the direct path, what keeps events in order while this task starts; null on the repartitioned path. */
    private final DirectHandover handover;
    private final String unifiedTopic;
    private final EventSink sink;
    /**
     * On the direct path, after a start: per input partition, the last offset whose write may have been sent before
     * (Redis's input marks); null once every input has passed its mark. While it lasts, each execution's state is
     * compared with Redis once ({@link #catchUp}).
     */
    private Map<String, Long> replayWindow;
    private Set<String> compared;
    private ProcessorContext<Void, Void> context;
    private KeyValueStore<String, ExecutionState> store;

    ExecutionSequencer(TopologySettings settings, DirectHandover handover, EventSink sink, TopologyMetrics metrics) {
        this.settings = settings;
        this.direct = handover != null;
        this.handover = handover;
        this.unifiedTopic = Catalogue.unifiedTopic(settings.applicationId());
        this.sink = sink;
        this.metrics = metrics;
        this.writer = new RedisWriter(Catalogue.STATUS_STORE, sink, settings, metrics);
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        this.context = context;
        this.store = context.getStateStore(Catalogue.STATUS_STORE);
        long restored = 0;
        try (KeyValueIterator<String, ExecutionState> all = store.all()) {
            while (all.hasNext()) {
                for (SinkWrite write : all.next().value.unwritten()) {
                    writer.add(write);
                    restored++;
                    if (writer.waiting() >= settings.flushBatch()) {
                        flush();
                    }
                }
            }
        }
        flush();
        if (restored > 0) {
            LOG.info("Task {}: {} execution writes listed in the restored states written to Redis again", context.taskId(), restored);
        }
        context.schedule(settings.flushInterval(), PunctuationType.WALL_CLOCK_TIME, now -> writer.flushIfIdle(this::acknowledged));
        context.schedule(settings.evictionInterval(), PunctuationType.WALL_CLOCK_TIME, this::evict);
        if (direct) {
            handover.started(context.taskId().partition());
            openReplayWindow();
        }
    }

    /**
     * On the direct path a task merges several input partitions, and after a crash Kafka Streams may merge the
     * records it processes again in another order than the first time: they would get other seqs than the writes
     * Redis already has from before the crash, so one event would be logged twice and another lost. So a task
     * starts by reading how far its inputs had been sent to Redis (marked before every batch), and until it has
     * passed those positions it compares each execution it touches with Redis: the events Redis holds beyond the
     * restored state keep their seqs, and new events come after them.
     */
    private void openReplayWindow() {
        Map<String, Long> marks = readRedis(() -> sink.inputMarks(settings.applicationId()));
        String partition = "/" + context.taskId().partition();
        marks.keySet().removeIf(input -> !input.endsWith(partition));
        if (!marks.isEmpty()) {
            replayWindow = new HashMap<>(marks);
            compared = new HashSet<>();
            LOG.info("Task {}: records up to {} may have been written to Redis before; executions are compared with Redis until then",
                    context.taskId(), marks);
        }
    }

    /** The state of execution {@code id} as Redis has it: beyond {@code state} when writes were sent before a crash. */
    private ExecutionState catchUp(String id, ExecutionState state) {
        EventSink.Written written = readRedis(() -> sink.writtenAfter(id, state.lastSeq()));
        if (written.lastSeq() <= state.lastSeq()) {
            return state;
        }
        metrics.resumedFromRedis();
        if (written.events().size() < written.lastSeq() - state.lastSeq()) {
            LOG.warn("Execution {}: Redis has seqs {} to {} from before a restart, but its log no longer lists all of them; an event "
                    + "among them processed again gets a new seq", id, state.lastSeq() + 1, written.lastSeq());
        }
        return state.resumedAfter(written, settings.logMaxEvents());
    }

    /** Notes that the current record was processed; the replay window closes once every input has passed its mark. */
    private void passed(String input, long offset) {
        Long mark = replayWindow.get(input);
        if (mark != null && offset >= mark) {
            replayWindow.remove(input);
            if (replayWindow.isEmpty()) {
                LOG.info("Task {}: past every record written to Redis before the start; {} executions were compared", context.taskId(), compared.size());
                replayWindow = null;
                compared = null;
            }
        }
    }

    /** A read the sequencing cannot go on without: retried while Redis is unreachable, as writes are. */
    private <T> T readRedis(RedisRead<T> read) {
        long backoff = 50;
        while (true) {
            try {
                return read.get();
            } catch (EventSink.UnavailableException e) {
                LOG.warn("Task {}: Redis unreachable ({}); sequencing waits for it", context.taskId(), e.getMessage());
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for Redis", interrupted);
                }
                backoff = Math.min(1_000, backoff * 2);
            }
        }
    }

    private interface RedisRead<T> {
        T get() throws EventSink.UnavailableException;
    }

    @Override
    public void process(Record<String, Inbound> record) {
        Inbound event = record.value();
        String id = event.executionId();
        ExecutionState before = store.get(id);
        if (before == null) {
            before = ExecutionState.fresh();
        }
        if (direct) {
            RecordMetadata input = context.recordMetadata().orElseThrow();
            String partition = input.topic() + "/" + input.partition();
            writer.reached(partition, input.offset());
            if (input.topic().equals(unifiedTopic) && event.sourcePartition() == input.partition()) { // the stamp is parsed only for 'unified'
                handover.cameBack(input.partition(), id, event.source());
            }
            if (replayWindow != null) {
                if (compared.add(id)) {
                    before = catchUp(id, before);
                }
                passed(partition, input.offset());
            }
        }
        if (before.seen(event.dedupId())) {
            metrics.duplicate();
            return;
        }
        ExecutionStatus status = before.status().advance(EventTypes.statusOf(event.eventType()));
        long now = context.currentSystemTimeMs();
        long seq = before.seqFor(event.dedupId());
        ExecutionState next = before.next(event, seq, status, EventTypes.closes(event.eventType()), now, settings.dedupWindow());
        if (before.replays(event.dedupId())) {
            // written to Redis before a crash under this seq (with its owner's log entry): nothing to write again
            store.put(id, next.withUnwritten(before.unwrittenAfter(acknowledged.getOrDefault(id, 0L))));
            acknowledged.remove(id);
            metrics.processed("execution");
            return;
        }

        ExecutionEnvelope envelope = new ExecutionEnvelope(id, seq, event.eventType(), status,
                event.timestamp(), event.eventId(), event.data());
        StatusSnapshot snapshot = new StatusSnapshot(id, status, next.owner(), next.lastSeq(), next.lastEventType(),
                status.terminal(), next.closed(), Instant.ofEpochMilli(now).toString(), next.lastEventTime());
        String envelopeJson = Json.write(envelope);
        // the owner's log gets the events sequenced before the owner was known with the first write that knows it
        List<SinkWrite.Earlier> earlier = before.owner() == null && next.owner() != null ? before.ownerless() : List.of();
        SinkWrite write = new SinkWrite(SinkWrite.Kind.EXECUTION, id, seq, event.dedupId(), event.source(),
                envelopeJson, Json.write(snapshot), next.finished(), next.owner(), earlier);
        if (next.owner() == null || !next.ownerless().isEmpty()) {
            next = next.withOwnerless(new SinkWrite.Earlier(seq, envelopeJson), settings.logMaxEvents());
        }
        if (before.unwrittenSince(acknowledged.getOrDefault(id, 0L)) >= MAX_UNWRITTEN_PER_EXECUTION) {
            flush(); // a chatty execution: its state would otherwise carry ever more writes in every put
        }
        store.put(id, next.withUnwritten(before.unwrittenAfter(acknowledged.getOrDefault(id, 0L), write)));
        acknowledged.remove(id);
        metrics.processed("execution");

        writer.add(write);
        writer.flushAfterAdd(this::acknowledged);
    }

    private void flush() {
        writer.flush(this::acknowledged);
    }

    private void acknowledged(List<SinkWrite> written) {
        written.forEach(w -> acknowledged.merge(w.target(), w.seq(), Math::max));
    }

    /**
     * Drops finished executions after their retention and idle ones after theirs, so the store stays bounded; an
     * execution whose writes Redis has not acknowledged yet stays until it has. A state whose listed writes are all
     * acknowledged is stored again without them (at most once per sweep and execution, after its last event), so
     * that a restart writes again only what may be missing, not the latest event of every execution in the store.
     */
    private void evict(long now) {
        long finishedCutoff = now - settings.finishedRetention().toMillis();
        long idleCutoff = now - settings.idleRetention().toMillis();
        List<String> expired = new ArrayList<>();
        List<KeyValue<String, ExecutionState>> written = new ArrayList<>();
        try (KeyValueIterator<String, ExecutionState> all = store.all()) {
            while (all.hasNext()) {
                KeyValue<String, ExecutionState> entry = all.next();
                ExecutionState state = entry.value;
                if (state.lastUnwrittenSeq() > acknowledged.getOrDefault(entry.key, 0L)) {
                    continue; // Redis may still lack some of its writes
                }
                if (expired(state, finishedCutoff, idleCutoff)) {
                    expired.add(entry.key);
                } else if (!state.unwritten().isEmpty()) {
                    written.add(KeyValue.pair(entry.key, state.withUnwritten(List.of())));
                }
            }
        }
        for (KeyValue<String, ExecutionState> entry : written) {
            store.put(entry.key, entry.value);
            acknowledged.remove(entry.key);
        }
        for (String id : expired) {
            store.delete(id);
            acknowledged.remove(id);
        }
        if (!expired.isEmpty()) {
            metrics.evicted(expired.size());
        }
    }

    private static boolean expired(ExecutionState state, long finishedCutoff, long idleCutoff) {
        return (state.finished() && state.finishedAt() <= finishedCutoff) || state.touchedAt() <= idleCutoff;
    }

    @Override
    public void close() {
        // Best effort, without touching the store (the task may be committed already): whatever is left stays
        // listed in the states and is written again, harmlessly, by whichever instance restores them.
        writer.close();
        acknowledged.clear();
    }
}
