package io.sserouter.edge.redis;

import io.sserouter.contract.RedisKeys;
import io.sserouter.contract.StatusSnapshot;
import io.sserouter.config.RedisSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import io.sserouter.edge.sse.Published;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.resps.StreamEntry;

/** Reads snapshots and replay logs (pooled connections, separate from the pub/sub connection). */
public final class RedisReader implements AutoCloseable {
    private final UnifiedJedis client;
    private final RedisKeys keys;

    public RedisReader(RedisSettings redis, int poolSize) {
        keys = redis.keys();
        client = redis.pooledClient("sse-router-edge", poolSize);
    }

    public RedisKeys keys() {
        return keys;
    }

    /** The snapshot, or null when the execution is unknown (or expired). */
    public StatusSnapshot snapshot(String executionId) {
        return StatusSnapshot.parse(client.get(keys.execStatus(executionId)));
    }

    /** Every retained event with seq greater than {@code after}, in order. */
    public List<LoggedEvent> after(String executionId, long after) {
        List<StreamEntry> entries = client.xrange(keys.execLog(executionId), new StreamEntryID(after + 1, 0), (StreamEntryID) null);
        List<LoggedEvent> out = new ArrayList<>(entries.size());
        for (StreamEntry entry : entries) {
            out.add(new LoggedEvent(entry.getID().getTime(), entry.getFields().get(RedisKeys.LOG_FIELD)));
        }
        return out;
    }

    /** The seq of the oldest retained event, or null when the log is empty or gone. */
    public Long firstRetained(String executionId) {
        List<StreamEntry> first = client.xrange(keys.execLog(executionId), "-", "+", 1);
        return first.isEmpty() ? null : first.get(0).getID().getTime();
    }

    /** The snapshots of a user's most recently active executions, newest first; expired ones are left out. */
    public List<StatusSnapshot> recentExecutions(String userId, int limit) {
        return snapshots(client.zrevrange(keys.userExecutions(userId), 0, limit - 1));
    }

    /** The snapshots of a user's executions active at or after {@code sinceMillis}, newest first; expired ones are left out. */
    public List<StatusSnapshot> executionsActiveSince(String userId, long sinceMillis, int limit) {
        return snapshots(client.zrevrangeByScore(keys.userExecutions(userId), "+inf", String.valueOf(sinceMillis), 0, limit));
    }

    private List<StatusSnapshot> snapshots(List<String> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        List<String> snapshots = client.mget(ids.stream().map(keys::execStatus).toArray(String[]::new));
        return snapshots.stream().filter(java.util.Objects::nonNull).map(StatusSnapshot::parse).toList();
    }

    /** Up to {@code limit} entries of a user's log after the entry {@code afterId}, in order. */
    public List<Published> userLogAfter(String userId, String afterId, int limit) {
        List<StreamEntry> entries = client.xrange(keys.userLog(userId), "(" + afterId, "+", limit);
        List<Published> out = new ArrayList<>(entries.size());
        for (StreamEntry entry : entries) {
            Map<String, String> fields = entry.getFields();
            out.add(Published.parse(entry.getID().toString(), fields.get(RedisKeys.USER_LOG_PREV_FIELD), fields.get(RedisKeys.LOG_FIELD)));
        }
        return out;
    }

    /** The id of the last entry ever appended to a user's log, or null when none is remembered. */
    public String userLogLast(String userId) {
        return client.get(keys.userLogLast(userId));
    }

    /** Epoch millis of the pipeline's last heartbeat, or null when there is none. */
    public Long pipelineHeartbeat() {
        String value = client.get(keys.pipelineHeartbeat());
        try {
            return value == null ? null : Long.valueOf(value);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The latest system event of each type, as published. */
    public java.util.Collection<String> latestBroadcasts() {
        return client.hgetAll(keys.broadcastLatest()).values();
    }

    @Override
    public void close() {
        client.close();
    }
}
