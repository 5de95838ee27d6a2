package io.sserouter.edge.relay;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sserouter.contract.ControlEvents;
import io.sserouter.contract.Json;
import io.sserouter.contract.StatusSnapshot;
import io.sserouter.edge.redis.PipelineHealth;
import io.sserouter.edge.sse.Published;
import io.sserouter.edge.sse.SseSink;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One client's user stream: every event of every execution the user owns, from the user's log in Redis, plus the
 * user's notifications and the system broadcasts. The log orders all of the user's events once, for every edge
 * instance alike, so the stream's position is one log id, the {@code id:} of each execution event: a client resumes
 * after it exactly, wherever it reconnects. Each entry names the one before it, so an entry that does not follow the
 * last one sent means entries were missed (read back from the log) or are gone (a {@code replay_gap} with the
 * snapshots of the executions concerned). Notifications and broadcasts carry no {@code id:}: they do not move the
 * position, and are delivered at most once, live.
 */
public final class UserRelay extends Relay {
    /** Entries read from the log in one go while catching up. */
    static final int REPLAY_BATCH = 500;
    /** Snapshots a {@code replay_gap} carries at most (the user's executions active since the position). */
    static final int GAP_SNAPSHOTS = 100;

    private final String userId;
    private final PipelineHealth pipeline;
    /** The last log entry this stream has passed (sent, or covered by a snapshot). */
    private UserLogId position;
    /**
     * After a fresh connect: per execution, the seq its {@code status} event covered, so the entries written while the
     * snapshots were read are not sent again. Null once the stream is past {@link #coveredUntil}, the last entry that
     * existed when the snapshots had been read.
     */
    private Map<String, Long> covered;
    private UserLogId coveredUntil;
    private final LatestBroadcasts latest = new LatestBroadcasts();

    public UserRelay(String userId, StreamDeps deps) {
        super(deps);
        this.userId = userId;
        this.pipeline = deps.pipeline();
    }

    @Override
    protected List<String> channels() {
        return List.of(store.keys().userChannel(userId), store.keys().notifications(userId), store.keys().broadcast());
    }

    /**
     * A fresh connect: the snapshots of the user's recently active executions as {@code status} events, then live
     * events. Read after the subscription, in this order: {@code before}, the log's last entry; the snapshots; {@code
     * after}, the last entry again. Every event after {@code before} arrives live; those a snapshot already counts
     * are skipped, and none after {@code after} can be (the owner's log is written before the snapshot).
     */
    public void startFresh(SseSink sink, UserLogId before, List<StatusSnapshot> snapshots, UserLogId after) {
        start(sink, () -> {
            position = before;
            if (!latest.send(store, this::deliver)) {
                return;
            }
            // no entry was appended while the snapshots were read (the usual case): none can be counted twice, and
            // the stream keeps no map of them
            boolean concurrent = !after.equals(before);
            if (concurrent) {
                covered = new HashMap<>();
                coveredUntil = after;
            }
            for (StatusSnapshot snapshot : snapshots) {
                if (!send(before.toString(), ControlEvents.STATUS, pipeline.describe(snapshot).toString())) {
                    return;
                }
                if (concurrent) {
                    covered.put(snapshot.executionId(), snapshot.lastSeq());
                }
            }
        });
    }

    /** A resume after {@code cursor}: every retained entry after it (a {@code replay_gap} first if some are gone), then live events. */
    public void resume(SseSink sink, UserLogId cursor) {
        start(sink, () -> {
            position = cursor;
            if (latest.send(store, this::deliver)) {
                catchUp(null);
            }
        });
    }

    @Override
    protected void relay(Published message) {
        if (message.logId() == null) { // a notification or a broadcast
            if (!latest.alreadySent(message)) {
                deliver(message);
            }
            return;
        }
        UserLogId id = UserLogId.parse(message.logId());
        if (!id.after(position)) {
            return; // already sent (from the log, or a repeat)
        }
        if (UserLogId.parseOrZero(message.prevLogId()).after(position) && !catchUp(id)) {
            return; // entries were missed: the log had them, and the client is gone
        }
        pass(message, id, false);
    }

    @Override
    protected boolean relaysWithoutBlocking(Published message) {
        // an entry that does not follow the position means the log is read first
        return message.logId() == null || position != null && !UserLogId.parseOrZero(message.prevLogId()).after(position);
    }

    @Override
    protected void resync() {
        catchUp(null);
    }

    /**
     * Sends every retained entry after the position and before {@code upTo} (null: all), with a {@code replay_gap}
     * first when some are gone. False when the client is gone.
     */
    private boolean catchUp(UserLogId upTo) {
        while (true) {
            List<Published> entries = store.userLogAfter(userId, position.toString(), REPLAY_BATCH);
            if (entries.isEmpty()) {
                String last = store.userLogLast(userId);
                if (last != null && UserLogId.parse(last).after(position)) {
                    // an entry appended between the two reads is in the log now: only a log that still has nothing
                    // after the position, although its last id is past it, lost entries
                    entries = store.userLogAfter(userId, position.toString(), REPLAY_BATCH);
                    if (entries.isEmpty()) {
                        return gap(null, UserLogId.parse(last));
                    }
                } else if (last == null && position.ms() > 0 && restartedSince()) {
                    return gap(null, position);
                } else {
                    return true;
                }
            }
            UserLogId prev = UserLogId.parseOrZero(entries.get(0).prevLogId());
            boolean restarted = prev.equals(UserLogId.ZERO) && !position.equals(UserLogId.ZERO);
            if ((prev.after(position) || restarted) && !gap(UserLogId.parse(entries.get(0).logId()), restarted ? position : prev)) {
                return false;
            }
            for (Published entry : entries) {
                UserLogId id = UserLogId.parse(entry.logId());
                if (upTo != null && !upTo.after(id)) {
                    return true;
                }
                if (!pass(entry, id, true)) {
                    return false;
                }
            }
            if (entries.size() < REPLAY_BATCH) {
                return true;
            }
        }
    }

    /** The log was forgotten (the user idle for longer than it is kept): a gap if any execution was active since. */
    private boolean restartedSince() {
        return !store.executionsActiveSince(userId, position.ms(), 1).isEmpty();
    }

    /** Sends one entry (or skips it when a {@code status} of this connect counted it) and moves the position past it. */
    private boolean pass(Published entry, UserLogId id, boolean replayed) {
        if (covered != null) {
            if (id.after(coveredUntil)) {
                covered = null;
            } else {
                Long seq = covered.get(entry.executionId());
                if (seq != null && entry.seq() <= seq) {
                    position = id;
                    return true;
                }
            }
        }
        if (replayed) {
            if (!send(entry.logId(), entry.eventType(), entry.json())) {
                return false;
            }
            metrics.replayed();
        } else if (!deliver(entry)) {
            return false;
        }
        position = id;
        return true;
    }

    /**
     * Tells the client that the entries after its position up to {@code resumeAt} are gone, with the snapshots of the
     * user's executions active since; the event's {@code id:} resumes after the gap.
     */
    private boolean gap(UserLogId firstRetained, UserLogId resumeAt) {
        ObjectNode data = Json.MAPPER.createObjectNode();
        data.put("last_event_id", position.toString());
        if (firstRetained == null) {
            data.putNull("first_retained_id");
        } else {
            data.put("first_retained_id", firstRetained.toString());
        }
        ArrayNode snapshots = data.putArray("snapshots");
        for (StatusSnapshot snapshot : store.executionsActiveSince(userId, position.ms(), GAP_SNAPSHOTS)) {
            snapshots.add(pipeline.describe(snapshot));
        }
        metrics.gap();
        position = resumeAt;
        return send(resumeAt.toString(), ControlEvents.REPLAY_GAP, data.toString());
    }

    @Override
    protected void describeError(ObjectNode data) {
        data.put("user", userId);
    }
}
