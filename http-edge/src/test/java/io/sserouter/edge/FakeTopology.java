package io.sserouter.edge;

import io.sserouter.contract.ExecutionStatus;
import io.sserouter.contract.Json;
import io.sserouter.contract.RedisKeys;
import io.sserouter.contract.RedisScript;
import io.sserouter.contract.StatusSnapshot;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import redis.clients.jedis.Jedis;

/**
 * Writes events to Redis with the topology's own script and argument layout (log entry {seq}-0, snapshot, publish,
 * owner's index), so the edge is tested against what the topology really leaves in Redis.
 */
public final class FakeTopology implements AutoCloseable {
    private static final Duration LOG_TTL = Duration.ofMinutes(5);
    private static final Duration STATUS_TTL = Duration.ofHours(24);

    private final Jedis redis;
    private final RedisKeys keys;
    private final int maxLen;

    public FakeTopology(URI url, RedisKeys keys, int maxLen) {
        this.redis = new Jedis(url);
        this.keys = keys;
        this.maxLen = maxLen;
    }

    public static String envelope(String id, long seq, String type) {
        return "{\"execution_id\":\"" + id + "\",\"seq\":" + seq + ",\"event_type\":\"" + type + "\",\"status\":\"running\",\"data\":{\"n\":" + seq + "}}";
    }

    public synchronized void write(String id, long seq, String type, String owner, boolean closed) {
        write(id, seq, type, owner, closed, envelope(id, seq, type));
    }

    /** An event whose envelope carries {@code padding} extra bytes. */
    public synchronized void writePadded(String id, long seq, int padding) {
        write(id, seq, "pod_running", "alice", false, "{\"execution_id\":\"" + id + "\",\"seq\":" + seq
                + ",\"event_type\":\"pod_running\",\"data\":{\"pad\":\"" + "x".repeat(padding) + "\"}}");
    }

    /** An event with the given envelope, exactly as published. */
    public synchronized void write(String id, long seq, String type, String owner, boolean closed, String envelope) {
        StatusSnapshot snapshot = new StatusSnapshot(id, ExecutionStatus.RUNNING, owner, seq, type, closed, closed,
                Instant.now().toString(), null);
        // KEYS and ARGV as the topology's RedisSink passes them
        redis.eval(RedisScript.EXECUTION_WRITE.source(),
                List.of(keys.execLog(id), keys.execStatus(id), keys.execChannel(id)),
                List.of(String.valueOf(seq), envelope, Json.write(snapshot), String.valueOf(maxLen),
                        String.valueOf(LOG_TTL.toMillis()), String.valueOf(STATUS_TTL.toMillis()),
                        String.valueOf(System.currentTimeMillis()), keys.userExecutionsPrefix(),
                        String.valueOf(RedisKeys.USER_EXECUTIONS_KEPT), id));
    }

    /** Events 1..n of a running execution; the last one closes it when {@code close}. */
    public void writeAll(String id, int n, boolean close) {
        for (int seq = 1; seq <= n; seq++) {
            boolean last = close && seq == n;
            write(id, seq, last ? "result_stored" : "pod_running", "alice", last);
        }
    }

    @Override
    public void close() {
        redis.close();
    }
}
