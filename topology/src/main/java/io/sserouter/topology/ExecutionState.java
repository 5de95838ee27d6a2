package io.sserouter.topology;

import io.sserouter.config.ExecutionStatus;
import java.util.ArrayList;
import java.util.List;

/**
 * What the topology remembers of one execution, in the {@code execution-status} store.
 *
 * @param recentIds   identities of the latest events (bounded), to recognise a repeat
 * @param touchedAt   wall-clock time of the latest event, for eviction of idle executions
 * @param finishedAt  wall-clock time the execution finished (terminal status or closing event), 0 while running
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
        List<String> recentIds) {

    static ExecutionState fresh() {
        return new ExecutionState(ExecutionStatus.REQUESTED, null, 0, null, null, false, 0, 0, List.of());
    }

    boolean seen(String dedupId) {
        return recentIds.contains(dedupId);
    }

    boolean finished() {
        return finishedAt > 0;
    }

    ExecutionState next(Inbound event, ExecutionStatus status, boolean closes, long now, int dedupWindow) {
        List<String> ids = new ArrayList<>(recentIds.size() + 1);
        ids.addAll(recentIds.size() >= dedupWindow ? recentIds.subList(recentIds.size() - dedupWindow + 1, recentIds.size()) : recentIds);
        ids.add(event.dedupId());
        boolean nowClosed = closed || closes;
        boolean nowFinished = nowClosed || status.terminal();
        return new ExecutionState(status, owner != null ? owner : event.userId(), lastSeq + 1, event.eventType(),
                event.timestamp(), nowClosed, now, finishedAt > 0 ? finishedAt : nowFinished ? now : 0, ids);
    }
}
