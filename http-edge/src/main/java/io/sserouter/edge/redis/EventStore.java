package io.sserouter.edge.redis;

import io.sserouter.contract.RedisKeys;
import io.sserouter.contract.StatusSnapshot;
import io.sserouter.edge.sse.Published;
import java.util.Collection;
import java.util.List;

/**
 * What a stream needs from Redis: live messages of a channel, an execution's snapshot and replay log, the latest
 * broadcasts. Redis behind it in production; small enough to fake in a unit test.
 */
public interface EventStore {
    /** Receives a channel's messages. */
    interface Listener {
        /**
         * Called on the subscriber thread, which must never block. {@code mayRelayHere}: the subscriber has time for
         * this message (no other waits on its connection), so the listener may relay it itself, on this thread, when
         * that cannot block; otherwise it only hands the message over, and the subscriber reads on.
         */
        void onMessage(Published message, boolean mayRelayHere);

        /** The subscription was lost and is back: messages may have been missed. */
        void onResync();
    }

    /** Redis did not confirm a subscription in time. */
    final class UnavailableException extends Exception {
        public UnavailableException(String message) {
            super(message);
        }
    }

    RedisKeys keys();

    /** Adds a listener and returns once Redis confirmed the subscription, so nothing published after is missed. */
    void subscribe(String channel, Listener listener) throws UnavailableException;

    void unsubscribe(String channel, Listener listener);

    /** The execution's snapshot, or null when it is unknown (or expired). */
    StatusSnapshot snapshot(String executionId);

    /** Every retained event with seq greater than {@code afterSeq}, in order. */
    List<LoggedEvent> after(String executionId, long afterSeq);

    /** The latest system event of each type, as published. */
    Collection<String> latestBroadcasts();

    /** Up to {@code limit} entries of a user's log after the entry {@code afterId}, in order (each with its log ids). */
    List<Published> userLogAfter(String userId, String afterId, int limit);

    /** The id of the last entry ever appended to a user's log, or null when none is remembered. */
    String userLogLast(String userId);

    /** The snapshots of a user's {@code limit} most recently active executions, newest first. */
    List<StatusSnapshot> recentExecutions(String userId, int limit);

    /** The snapshots of a user's executions active at or after {@code sinceMillis} (at most {@code limit}), newest first. */
    List<StatusSnapshot> executionsActiveSince(String userId, long sinceMillis, int limit);
}
