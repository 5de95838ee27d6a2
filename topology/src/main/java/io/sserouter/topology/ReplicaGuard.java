package io.sserouter.topology;

import io.sserouter.config.ReplicaAcks;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.ConnectionPool;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * Makes a batch count as written only once the master's replicas hold it: a WAIT at the end of the pipeline, on
 * the connection that carried the writes (in a cluster, one per slot written, routed with the writes). Without it,
 * a master killed right after a write takes the write with it, and the promoted replica never had it.
 * With {@code auto}, how many replicas the masters have is asked now and then: none (a single Redis) sends no WAIT.
 */
final class ReplicaGuard {
    /** The master has the writes, but too few replicas do yet: not a failure of Redis, only of their safety. */
    static final class ReplicasBehind extends JedisException {
        ReplicasBehind(String message) {
            super(message);
        }
    }

    private static final long REFRESH_MS = 5_000;

    private final UnifiedJedis client;
    private final ReplicaAcks acks;
    private volatile int required = -1;
    private volatile long checkedAt;

    ReplicaGuard(UnifiedJedis client, ReplicaAcks acks) {
        this.client = client;
        this.acks = acks;
    }

    /** The WAITs of one pipeline and how many replicas each must report. */
    record Pending(int required, List<Response<Long>> replies) {
        static final Pending NONE = new Pending(0, List.of());
    }

    /** Adds the WAITs for writes to these keys (one sample key per write) to the pipeline; none when none is needed. */
    Pending request(AbstractPipeline pipeline, List<String> sampleKeys) {
        int replicas = required();
        if (replicas == 0 || sampleKeys.isEmpty()) {
            return Pending.NONE;
        }
        Map<Integer, String> bySlot = new LinkedHashMap<>();
        if (client instanceof RedisClusterClient) {
            sampleKeys.forEach(key -> bySlot.putIfAbsent(JedisClusterCRC16.getSlot(key), key));
        } else {
            bySlot.put(0, sampleKeys.get(0));
        }
        List<Response<Long>> replies = new ArrayList<>(bySlot.size());
        for (String key : bySlot.values()) {
            replies.add(pipeline.waitReplicas(key, replicas, acks.timeout().toMillis()));
        }
        return new Pending(replicas, replies);
    }

    /** Throws when a WAIT saw fewer replicas than required: the batch is not safe yet and will be sent again. */
    void check(Pending pending) throws EventSink.UnavailableException {
        int replicas = pending.required();
        for (Response<Long> reply : pending.replies()) {
            long acked;
            try {
                acked = reply.get();
            } catch (JedisDataException e) {
                throw new EventSink.UnavailableException(e); // e.g. sent to a master that came back as a replica
            }
            if (acked < replicas) {
                checkedAt = 0; // a replica may be gone for good: count again before the retry
                throw new EventSink.UnavailableException(new ReplicasBehind(
                        "only " + acked + " of " + replicas + " replicas acknowledged the writes within " + acks.timeout().toMillis() + " ms"));
            }
        }
    }

    private int required() {
        if (!acks.auto()) {
            return acks.replicas();
        }
        long now = System.currentTimeMillis();
        if (required < 0 || now - checkedAt > REFRESH_MS) {
            required = acks.required(fewestReplicas());
            checkedAt = now;
        }
        return required;
    }

    /** The fewest replicas any master has: a cluster's masters are asked one by one. */
    private int fewestReplicas() {
        if (!(client instanceof RedisClusterClient cluster)) {
            return replicas(client.info("replication"));
        }
        int fewest = Integer.MAX_VALUE;
        for (ConnectionPool pool : cluster.getClusterNodes().values()) {
            // one close only: closing the Jedis returns the connection to its pool, and closing the connection as
            // well would break it where it waits in the pool (it would come back without the RESP3 handshake)
            try (Jedis jedis = new Jedis(pool.getResource())) {
                String info = jedis.info("replication");
                if (info.contains("role:master")) {
                    fewest = Math.min(fewest, replicas(info));
                }
            } catch (JedisException e) {
                // a node that is down is no master to wait on
            }
        }
        return fewest == Integer.MAX_VALUE ? 0 : fewest;
    }

    private static int replicas(String info) {
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("connected_slaves:")) {
                return Integer.parseInt(line.substring("connected_slaves:".length()).trim());
            }
        }
        return 0;
    }
}
