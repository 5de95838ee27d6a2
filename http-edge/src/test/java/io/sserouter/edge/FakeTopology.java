package io.sserouter.edge;

import io.sserouter.contract.ExecutionStatus;
import io.sserouter.contract.Json;
import io.sserouter.contract.RedisKeys;
import io.sserouter.contract.StatusSnapshot;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import io.sserouter.topology.ScriptCall;
import io.sserouter.topology.SinkWrite;
import io.sserouter.topology.TopologySettings;
import redis.clients.jedis.Jedis;

/**
 * Writes events to Redis with the topology's own script calls ({@link ScriptCall}: the owner's log, then the log entry
 * {seq}-0, snapshot and publish), so the edge is tested against what the topology really leaves in Redis.
 */
public final class FakeTopology implements AutoCloseable {
    private final Jedis redis;
    private final RedisKeys keys;
    private final TopologySettings settings;

    public FakeTopology(URI url, RedisKeys keys, int maxLen) {
        this.redis = new Jedis(url);
        this.keys = keys;
        this.settings = TopologySettings.fromEnv(Map.of("REDIS_URL", url.toString(), "SSE_REDIS_PREFIX", keys.prefix(),
                "SSE_BUFFER_MAX_EVENTS", String.valueOf(maxLen), "SSE_USER_BUFFER_MAX_EVENTS", String.valueOf(maxLen),
                "SSE_CREATE_TOPICS", "false"));
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
        write(id, seq, type, owner, closed, envelope, List.of());
    }

    /**
     * The event that makes the owner known, with the events sequenced before it ({@code earlier}, already written
     * without an owner), as the topology writes it.
     */
    public synchronized void write(String id, long seq, String type, String owner, boolean closed, String envelope,
                                   List<SinkWrite.Earlier> earlier) {
        StatusSnapshot snapshot = new StatusSnapshot(id, ExecutionStatus.RUNNING, owner, seq, type, closed, closed,
                Instant.now().toString(), null);
        SinkWrite write = new SinkWrite(SinkWrite.Kind.EXECUTION, id, seq, id + ":" + seq, "fake/0/" + seq, envelope,
                Json.write(snapshot), closed, owner, earlier);
        for (ScriptCall call : ScriptCall.of(write, keys, settings, System.currentTimeMillis())) {
            redis.eval(call.script().source(), call.keys(), call.args());
        }
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
