package io.sserouter.edge;

import io.sserouter.contract.RedisKeys;
import io.sserouter.config.RedisSettings;
import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.resps.StreamEntry;

/** Reads snapshots and replay logs (pooled connections, separate from the pub/sub connection). */
class RedisReader implements AutoCloseable {
    /** One retained event: its seq (the stream entry id) and its envelope JSON. */
    record Logged(long seq, String envelope) {
    }

    private final RedisClient client;
    private final RedisKeys keys;

    RedisReader(RedisSettings redis, int poolSize) {
        keys = redis.keys();
        client = redis.pooledClient("sse-router-edge", poolSize);
    }

    RedisKeys keys() {
        return keys;
    }

    /** The snapshot JSON, or null when the execution is unknown (or expired). */
    String snapshot(String executionId) {
        return client.get(keys.execStatus(executionId));
    }

    /** Every retained event with seq greater than {@code after}, in order. */
    List<Logged> after(String executionId, long after) {
        List<StreamEntry> entries = client.xrange(keys.execLog(executionId), new StreamEntryID(after + 1, 0), (StreamEntryID) null);
        List<Logged> out = new ArrayList<>(entries.size());
        for (StreamEntry entry : entries) {
            out.add(new Logged(entry.getID().getTime(), entry.getFields().get(RedisKeys.LOG_FIELD)));
        }
        return out;
    }

    /** The snapshots of a user's most recently active executions, newest first; expired ones are left out. */
    List<String> recentExecutions(String userId, int limit) {
        List<String> ids = client.zrevrange(keys.userExecutions(userId), 0, limit - 1);
        if (ids.isEmpty()) {
            return List.of();
        }
        List<String> snapshots = client.mget(ids.stream().map(keys::execStatus).toArray(String[]::new));
        return snapshots.stream().filter(java.util.Objects::nonNull).toList();
    }

    /** Epoch millis of the pipeline's last heartbeat, or null when there is none. */
    Long pipelineHeartbeat() {
        String value = client.get(keys.pipelineHeartbeat());
        try {
            return value == null ? null : Long.valueOf(value);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The latest system event of each type, as published. */
    java.util.Collection<String> latestBroadcasts() {
        return client.hgetAll(keys.broadcastLatest()).values();
    }

    @Override
    public void close() {
        client.close();
    }
}
