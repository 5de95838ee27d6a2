package io.sserouter.topology;

import io.sserouter.contract.ExecutionStatus;
import java.util.ArrayList;
import java.util.List;

/**
 * What the topology remembers of one execution, in the {@code execution-status} store.
 *
 * @param recentIds   identities of the latest events (bounded), to recognise a repeat
 * @param touchedAt   wall-clock time of the latest event, for eviction of idle executions
 * @param finishedAt  wall-clock time the execution finished (terminal status or closing event), 0 while running
 * @param unwritten   Redis writes of this execution not known to be acknowledged when the state was stored: the
 *                    execution's outbox, restored with the state and performed again after a crash
 * @param ownerless   events sequenced while the owner is unknown (the latest, bounded), for the owner's log once
 *                    the owner is known
 */
record ExecutionState(
        ExecutionStatus status,
        String owner,
        long lastSeq,
        String lastEventType,
        String lastEventTime,
        boolean closed,
        long touchedAt,
        long finishedAt,
        List<String> recentIds,
        List<SinkWrite> unwritten,
        List<SinkWrite.Earlier> ownerless) {

    ExecutionState {
        unwritten = unwritten == null ? List.of() : unwritten; // a state stored before the field existed
        ownerless = ownerless == null ? List.of() : ownerless;
    }

    static ExecutionState fresh() {
        return new ExecutionState(ExecutionStatus.REQUESTED, null, 0, null, null, false, 0, 0, List.of(), List.of(), List.of());
    }

    /** The writes still unwritten once those up to {@code ackedSeq} are known to be in Redis, plus {@code write}. */
    List<SinkWrite> unwrittenAfter(long ackedSeq, SinkWrite write) {
        List<SinkWrite> writes = new ArrayList<>(unwritten.size() + 1);
        for (SinkWrite w : unwritten) {
            if (w.seq() > ackedSeq) {
                writes.add(w);
            }
        }
        writes.add(write);
        return writes;
    }

    /** How many unwritten writes are not known to be in Redis once those up to {@code ackedSeq} are. */
    int unwrittenSince(long ackedSeq) {
        int n = 0;
        for (SinkWrite w : unwritten) {
            if (w.seq() > ackedSeq) {
                n++;
            }
        }
        return n;
    }

    /** The highest seq among the unwritten writes, 0 when there are none. */
    long lastUnwrittenSeq() {
        return unwritten.isEmpty() ? 0 : unwritten.get(unwritten.size() - 1).seq();
    }

    boolean seen(String dedupId) {
        return recentIds.contains(dedupId);
    }

    boolean finished() {
        return finishedAt > 0;
    }

    /** The state after {@code event}; its {@code unwritten} are still this state's. */
    ExecutionState next(Inbound event, ExecutionStatus status, boolean closes, long now, int dedupWindow) {
        List<String> ids = new ArrayList<>(recentIds.size() + 1);
        ids.addAll(recentIds.size() >= dedupWindow ? recentIds.subList(recentIds.size() - dedupWindow + 1, recentIds.size()) : recentIds);
        ids.add(event.dedupId());
        boolean nowClosed = closed || closes;
        boolean nowFinished = nowClosed || status.terminal();
        return new ExecutionState(status, owner != null ? owner : event.userId(), lastSeq + 1, event.eventType(),
                event.timestamp(), nowClosed, now, finishedAt > 0 ? finishedAt : nowFinished ? now : 0, ids, unwritten, ownerless);
    }

    ExecutionState withUnwritten(List<SinkWrite> writes) {
        return new ExecutionState(status, owner, lastSeq, lastEventType, lastEventTime, closed, touchedAt, finishedAt, recentIds, writes, ownerless);
    }

    /**
     * This state's events still waiting for an owner: {@code event} (this state's last) added while the owner is
     * unknown, keeping the latest {@code kept} (older ones would be beyond any replay log anyway); none once known.
     */
    ExecutionState withOwnerless(SinkWrite.Earlier event, int kept) {
        List<SinkWrite.Earlier> waiting = List.of();
        if (owner == null) {
            List<SinkWrite.Earlier> list = new ArrayList<>(Math.min(ownerless.size() + 1, kept));
            list.addAll(ownerless.size() >= kept ? ownerless.subList(ownerless.size() - kept + 1, ownerless.size()) : ownerless);
            list.add(event);
            waiting = list;
        }
        return new ExecutionState(status, owner, lastSeq, lastEventType, lastEventTime, closed, touchedAt, finishedAt, recentIds, unwritten, waiting);
    }
}
