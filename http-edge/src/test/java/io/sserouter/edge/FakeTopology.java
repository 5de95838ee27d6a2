package io.sserouter.edge;

import io.sserouter.contract.RedisKeys;
import java.net.URI;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.params.XAddParams;

/** Writes events to Redis the way the topology does (log entry {seq}-0, snapshot, publish; atomically). */
final class FakeTopology implements AutoCloseable {
    private final Jedis redis;
    private final RedisKeys keys;
    private final int maxLen;

    FakeTopology(URI url, RedisKeys keys, int maxLen) {
        this.redis = new Jedis(url);
        this.keys = keys;
        this.maxLen = maxLen;
    }

    static String envelope(String id, long seq, String type) {
        return "{\"execution_id\":\"" + id + "\",\"seq\":" + seq + ",\"event_type\":\"" + type + "\",\"status\":\"running\",\"data\":{\"n\":" + seq + "}}";
    }

    synchronized void write(String id, long seq, String type, String owner, boolean closed) {
        write(id, seq, type, owner, closed, envelope(id, seq, type));
    }

    /** An event whose envelope carries {@code padding} extra bytes. */
    synchronized void writePadded(String id, long seq, int padding) {
        write(id, seq, "pod_running", "alice", false, "{\"execution_id\":\"" + id + "\",\"seq\":" + seq
                + ",\"event_type\":\"pod_running\",\"data\":{\"pad\":\"" + "x".repeat(padding) + "\"}}");
    }

    private void write(String id, long seq, String type, String owner, boolean closed, String envelope) {
        String snapshot = "{\"execution_id\":\"" + id + "\",\"status\":\"running\",\"owner\":" + (owner == null ? "null" : "\"" + owner + "\"")
                + ",\"last_seq\":" + seq + ",\"last_event_type\":\"" + type + "\",\"terminal\":" + closed + ",\"closed\":" + closed + ",\"updated_at\":\"" + java.time.Instant.now() + "\"}";
        Transaction tx = redis.multi();
        tx.xadd(keys.execLog(id), XAddParams.xAddParams().id(new StreamEntryID(seq, 0)).maxLen(maxLen), java.util.Map.of(RedisKeys.LOG_FIELD, envelope));
        tx.set(keys.execStatus(id), snapshot);
        tx.publish(keys.execChannel(id), envelope);
        if (owner != null) {
            tx.zadd(keys.userExecutions(owner), System.currentTimeMillis(), id); // as the topology's script does
        }
        tx.exec();
    }

    /** Events 1..n of a running execution; the last one closes it when {@code close}. */
    void writeAll(String id, int n, boolean close) {
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
