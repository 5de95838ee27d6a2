package io.sserouter.topology;

import io.sserouter.contract.ExecutionStatus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the topology remembers of one execution, in the {@code execution-status} store.
 *
 * @param recentIds   fingerprints of the latest events' identities (bounded), to recognise a repeat
 * @param touchedAt   wall-clock time of the latest event, for eviction of idle executions
 * @param finishedAt  wall-clock time the execution finished (terminal status or closing event), 0 while running
 * @param unwritten   Redis writes of this execution not known to be acknowledged when the state was stored: the
 *                    execution's outbox, restored with the state and performed again after a crash
 * @param ownerless   events sequenced while the owner is unknown (the latest, bounded), for the owner's log once
 *                    the owner is known
 * @param replayed    after a crash on the direct path: the events Redis holds beyond this state, by identity, which
 *                    will be processed again and must keep the seq they have ({@link ExecutionSequencer})
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
        RecentIds recentIds,
        List<SinkWrite> unwritten,
        List<SinkWrite.Earlier> ownerless,
        Map<String, Long> replayed) {

    ExecutionState {
        recentIds = recentIds == null ? RecentIds.NONE : recentIds;
        unwritten = unwritten == null ? List.of() : unwritten; // a state stored before the field existed
        ownerless = ownerless == null ? List.of() : ownerless;
        replayed = replayed == null ? Map.of() : replayed;
    }

    static ExecutionState fresh() {
        return new ExecutionState(ExecutionStatus.REQUESTED, null, 0, null, null, false, 0, 0, RecentIds.NONE, List.of(), List.of(), Map.of());
    }

    /** The seq of the next event with this identity: the one Redis already has for it, else the next one. */
    long seqFor(String dedupId) {
        Long kept = replayed.get(dedupId);
        return kept != null ? kept : lastSeq + 1;
    }

    /** Whether an event with this identity was written to Redis before a crash, under the seq {@link #seqFor} gives. */
    boolean replays(String dedupId) {
        return replayed.containsKey(dedupId);
    }

    /**
     * This state once Redis is known to hold {@code written}, beyond it: later seqs are taken, and the events they
     * were given keep them when they are processed again. While the owner is unknown, those events also wait for
     * the owner's log, as they did before the crash.
     */
    ExecutionState resumedAfter(EventSink.Written written, int keptOwnerless) {
        Map<String, Long> kept = new HashMap<>(replayed);
        ExecutionState state = this;
        for (EventSink.Logged event : written.events()) {
            if (event.identity() != null) {
                kept.put(event.identity(), event.seq());
            }
            if (owner == null) {
                state = state.withOwnerless(new SinkWrite.Earlier(event.seq(), event.envelope()), keptOwnerless);
            }
        }
        return new ExecutionState(status, owner, Math.max(lastSeq, written.lastSeq()), lastEventType, lastEventTime, closed, touchedAt,
                finishedAt, recentIds, unwritten, state.ownerless(), kept);
    }

    /** The writes still unwritten once those up to {@code ackedSeq} are known to be in Redis, plus {@code write}. */
    List<SinkWrite> unwrittenAfter(long ackedSeq, SinkWrite write) {
        List<SinkWrite> writes = unwrittenAfter(ackedSeq);
        writes.add(write);
        return writes;
    }

    /** The writes still unwritten once those up to {@code ackedSeq} are known to be in Redis. */
    List<SinkWrite> unwrittenAfter(long ackedSeq) {
        List<SinkWrite> writes = new ArrayList<>(unwritten.size());
        for (SinkWrite w : unwritten) {
            if (w.seq() > ackedSeq) {
                writes.add(w);
            }
        }
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

    /** The state after {@code event}, given {@code seq} ({@link #seqFor}); its {@code unwritten} are still this state's. */
    ExecutionState next(Inbound event, long seq, ExecutionStatus status, boolean closes, long now, int dedupWindow) {
        RecentIds ids = recentIds.with(event.dedupId(), dedupWindow);
        boolean nowClosed = closed || closes;
        boolean nowFinished = nowClosed || status.terminal();
        Map<String, Long> stillReplayed = replayed;
        if (replayed.containsKey(event.dedupId())) {
            stillReplayed = new HashMap<>(replayed);
            stillReplayed.remove(event.dedupId());
        }
        return new ExecutionState(status, owner != null ? owner : event.userId(), Math.max(lastSeq, seq), event.eventType(),
                event.timestamp(), nowClosed, now, finishedAt > 0 ? finishedAt : nowFinished ? now : 0, ids, unwritten, ownerless, stillReplayed);
    }

    ExecutionState withUnwritten(List<SinkWrite> writes) {
        return new ExecutionState(status, owner, lastSeq, lastEventType, lastEventTime, closed, touchedAt, finishedAt, recentIds, writes, ownerless,
                replayed);
    }

    /**
     * This state's events still waiting for an owner: {@code event} (this state's last) added while the owner is
     * unknown, keeping the latest {@code kept} (older ones would be beyond any replay log anyway); none once known.
     */
    ExecutionState withOwnerless(SinkWrite.Earlier event, int kept) {
        List<SinkWrite.Earlier> waiting = List.of();
        if (owner == null) {
            List<SinkWrite.Earlier> list = new ArrayList<>(ownerless.size() + 1);
            list.addAll(ownerless);
            int at = list.size();
            while (at > 0 && list.get(at - 1).seq() > event.seq()) {
                at--; // an event processed again after a crash keeps its earlier seq: the list stays in seq order
            }
            list.add(at, event);
            waiting = list.size() > kept ? list.subList(list.size() - kept, list.size()) : list;
        }
        return new ExecutionState(status, owner, lastSeq, lastEventType, lastEventTime, closed, touchedAt, finishedAt, recentIds, unwritten, waiting,
                replayed);
    }
}
