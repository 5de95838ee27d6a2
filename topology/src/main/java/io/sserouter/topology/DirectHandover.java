package io.sserouter.topology;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * On the direct path, keeps each execution's events in order when a task starts on a partition whose 'unified'
 * partition may hold some of them unread: what the repartitioned path left there after a switch, or records
 * rerouted before a restart or a rebalance. Kafka Streams merges a task's partitions by record time, but only among
 * the records it has fetched: an event read from its source topic could be sequenced before an earlier one still
 * unread in 'unified'.
 *
 * <p>So a task whose partition of 'unified' holds unread records ({@link UnifiedBacklog}) starts by sending every
 * event of its partition through 'unified' too, behind whatever is there, until one it sent comes back: everything
 * that was in 'unified' before it has then been sequenced. From then on an execution's events are sequenced where
 * they are read, except while some of that execution's are still on their way through 'unified' (which lasts one
 * commit under exactly-once): those are followed by the next ones.
 * This costs the events of a start the repartitioned path's latency (and, while a backlog is caught up, its cost per
 * event, since most executions then have events on their way), and nothing once they are through. Producers that
 * key every record by execution id never write to 'unified', so their tasks never do it.
 *
 * <p>One per Kafka Streams instance, shared by the routing filter and the sequencer of each task; a partition's
 * entry is used only by the thread running its task, and is replaced when the task (re)starts.
 */
final class DirectHandover {
    private final Map<Integer, Partition> partitions = new ConcurrentHashMap<>();
    private final UnifiedBacklog backlog;

    DirectHandover(UnifiedBacklog backlog) {
        this.backlog = backlog;
    }

    /**
     * The task of {@code partition} starts (or starts again after a failure): it sends its events through 'unified'
     * until that holds nothing from before, unless it holds nothing unread already.
     */
    void started(int partition) {
        partitions.put(partition, new Partition(!backlog.mayHoldUnread(partition)));
    }

    /**
     * Whether an event read on its execution's partition is sequenced where it was read; false sends it through
     * 'unified'. Called once per such event, by the routing filter.
     */
    boolean sequenceWhereRead(String executionId, Inbound event) {
        Partition partition = partitions.get(event.sourcePartition());
        return partition == null || partition.whereRead(executionId, event.source());
    }

    /** The sequencer of {@code partition} read, from 'unified', an event that was read on its execution's partition. */
    void cameBack(int partition, String executionId, String source) {
        Partition state = partitions.get(partition);
        if (state != null) {
            state.cameBack(executionId, source);
        }
    }

    private static final class Partition {
        /**
         * Per source topic, the offset of the first event this task sent through 'unified'. Anything it reads comes
         * after what earlier owners committed, and what they sent without committing was aborted, so an event that
         * comes back from at least that offset is one of this task's: the first one, or a later one if the first was
         * dropped on the way (a dead letter).
         */
        private final Map<String, Long> firstSent = new HashMap<>();
        /** Whether one of them came back: everything that was in 'unified' before the task started is sequenced. */
        private boolean drained;
        /** Per execution, how many of its events this task sent through 'unified' that have not come back yet. */
        private final Map<String, Integer> onTheirWay = new HashMap<>();

        Partition(boolean drained) {
            this.drained = drained;
        }

        boolean whereRead(String executionId, String source) {
            if (drained && !onTheirWay.containsKey(executionId)) {
                return true;
            }
            if (!drained) {
                firstSent.putIfAbsent(Inbound.topicOf(source), Inbound.offsetOf(source));
            }
            onTheirWay.merge(executionId, 1, Integer::sum);
            return false;
        }

        void cameBack(String executionId, String source) {
            if (!drained) {
                Long first = firstSent.get(Inbound.topicOf(source));
                if (first == null || Inbound.offsetOf(source) < first) {
                    return; // left in 'unified' before this task started, so not counted
                }
                drained = true;
            }
            onTheirWay.computeIfPresent(executionId, (id, count) -> count == 1 ? null : count - 1);
        }
    }
}
