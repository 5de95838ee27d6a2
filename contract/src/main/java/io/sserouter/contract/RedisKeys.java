package io.sserouter.contract;

/**
 * Every Redis key and channel name the topology writes and the edge reads. In a Redis Cluster, the part of a name
 * between braces (its hash tag) alone chooses its slot: every key and channel of one execution carries the execution
 * id as tag, every key of one user the user id, so each script call touches a single slot. Ids cannot contain braces.
 */
public record RedisKeys(String prefix) {
    public static final String DEFAULT_PREFIX = "sse:";
    /** How many of a user's most recently active executions their index keeps. */
    public static final int USER_EXECUTIONS_KEPT = 100;
    /** The fields of each user-log entry: the id of the entry before it, and the envelope. */
    public static final String USER_LOG_PREV_FIELD = "prev";
    /** The field of each replay-log stream entry that holds the envelope. */
    public static final String LOG_FIELD = "event";
    /** The field of each replay-log stream entry that holds the event's identity (the topology's, not for clients). */
    public static final String LOG_IDENTITY_FIELD = "identity";

    public static RedisKeys defaults() {
        return new RedisKeys(DEFAULT_PREFIX);
    }

    /** Pub/sub channel with each envelope of one execution, live. */
    public String execChannel(String executionId) {
        return prefix + "exec:{" + executionId + "}";
    }

    /** The execution whose {@link #execChannel} this is, or null when it is not one. */
    public String executionOfChannel(String channel) {
        String start = prefix + "exec:{";
        if (!channel.startsWith(start) || !channel.endsWith("}")) {
            return null;
        }
        return channel.substring(start.length(), channel.length() - 1);
    }

    /** Stream of the last envelopes of one execution, entry id {@code {seq}-0}. */
    public String execLog(String executionId) {
        return execChannel(executionId) + ":log";
    }

    /** JSON snapshot of one execution's status. */
    public String execStatus(String executionId) {
        return execChannel(executionId) + ":status";
    }

    /**
     * Sorted set of one user's most recently active executions (score: epoch ms of their last event). This and the
     * other keys of one user carry the user id as a hash tag, so that in a Redis Cluster they share one slot.
     */
    public String userExecutions(String userId) {
        return user(userId) + ":executions";
    }

    /**
     * Stream of every event of every execution one user owns, the user stream's log: entry id {@code {ms}-{n}}, fields
     * {@code prev} (the id of the entry before it) and {@code event} (the envelope).
     */
    public String userLog(String userId) {
        return user(userId) + ":log";
    }

    /** The id of the last entry appended to {@link #userLog}; it outlives the log, so a gap is told apart from nothing. */
    public String userLogLast(String userId) {
        return user(userId) + ":last";
    }

    /** The highest seq of one execution appended to its owner's {@link #userLog}. */
    public String userLogAppended(String userId, String executionId) {
        return user(userId) + ":appended:" + executionId;
    }

    /** Pub/sub channel with each entry appended to {@link #userLog}, live: {@code {id} {prev} {envelope}}. */
    public String userChannel(String userId) {
        return user(userId);
    }

    private String user(String userId) {
        return prefix + "user:{" + userId + "}";
    }

    /** Pub/sub channel with one user's notifications. */
    public String notifications(String userId) {
        return prefix + "notif:{" + userId + "}";
    }

    /** Pub/sub channel with system events for every client; tagged so that it shares a slot with the keys below. */
    public String broadcast() {
        return prefix + "{broadcast}";
    }

    /** Hash of the latest system event of each type. */
    public String broadcastLatest() {
        return broadcast() + ":latest";
    }

    /**
     * The input positions the topology's sequencers had reached when they sent their last Redis writes: a sorted set,
     * member {@code topic/partition}, score the highest offset of a record whose write was sent. A restarted sequencer
     * knows from it which records it may process a second time (see docs/architecture.md, the direct path).
     */
    public String sequencerInputs(String applicationId) {
        return prefix + "router:{" + applicationId + "}:inputs";
    }

    /**
     * Epoch milliseconds of the last moment a topology instance was running and reached Kafka; every healthy
     * instance refreshes it, so its age tells a quiet execution from a stalled pipeline.
     */
    public String pipelineHeartbeat() {
        return prefix + "pipeline:heartbeat";
    }

    /**
     * Marker that one notification was already published (notifications have no seq to dedupe by); in the user's
     * slot, with the user's channel.
     */
    public String publishedNotification(String userId, String dedupId) {
        return prefix + "seen:notif:{" + userId + "}:" + dedupId;
    }

    /** Marker that one system event was already published; in the slot of {@link #broadcast}. */
    public String publishedBroadcast(String dedupId) {
        return prefix + "seen:{broadcast}:" + dedupId;
    }

    /** Counter of one user's connection attempts in one minute (epoch minute), across every edge instance. */
    public String connectRate(String userId, long epochMinute) {
        return prefix + "rate:{" + userId + "}:" + epochMinute;
    }

    /** Sorted set of one user's open streams (score: when each opened), across every edge instance. */
    public String streamSlots(String userId) {
        return prefix + "conns:{" + userId + "}";
    }

    /**
     * Sorted set of the same streams by the moment each stops counting unless its instance refreshes it (score: epoch
     * ms), so a crashed instance's streams free their slots.
     */
    public String streamSlotDeadlines(String userId) {
        return streamSlots(userId) + ":alive";
    }

    /** Pub/sub channel on which a stream evicted beyond its user's limit is told to end, wherever it is open. */
    public String streamKick() {
        return prefix + "edge:kick";
    }

    /** A channel nobody publishes to: an edge subscribes it first, and its confirmation says the connection is up. */
    public String edgeSubscriberProbe() {
        return prefix + "edge:control";
    }
}
