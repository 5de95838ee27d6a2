package io.sserouter.topology;

import io.sserouter.contract.RedisKeys;
import io.sserouter.contract.RedisScript;
import io.sserouter.config.RedisSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Writes batches of outbox entries to Redis in one pipeline. Every write is a script that does its whole job
 * atomically and does nothing if it was already done, so a batch can be repeated after any failure:
 * an execution event is appended to its log with stream id {@code {seq}-0} (Redis refuses an id that is not
 * greater than the last), and only when that append succeeds is the snapshot replaced and the envelope published.
 */
public final class RedisSink implements AutoCloseable {
    /** Thrown when Redis cannot be reached; the batch is intact and may be retried. */
    public static final class UnavailableException extends Exception {
        UnavailableException(Throwable cause) {
            super(cause.getMessage(), cause);
        }
    }

    public record Outcome(int written, int alreadyPresent, int rejected) {
    }


    private static final Duration PUBLISHED_MARKER_TTL = Duration.ofHours(1);
    /** Executions kept in each user's index of recently active executions. */
    private static final String USER_INDEX_LENGTH = String.valueOf(RedisKeys.USER_EXECUTIONS_KEPT);

    private final RedisClient client;
    private final RedisKeys keys;
    private final String maxLen;
    private final String logTtlMs;
    private final String statusTtlMs;
    private volatile String executionSha;
    private volatile String publishOnceSha;

    public RedisSink(RedisSettings redis, TopologySettings settings) {
        this.keys = redis.keys();
        this.maxLen = String.valueOf(settings.logMaxEvents());
        this.logTtlMs = String.valueOf(settings.logTtl().toMillis());
        this.statusTtlMs = String.valueOf(settings.statusTtl().toMillis());
        this.client = redis.pooledClient("sse-router-topology", settings.threads() + 4);
    }

    /** Performs every write of the batch, in order, in one round trip (public so a benchmark baseline can make the same writes). */
    public Outcome write(List<SinkWrite> batch) throws UnavailableException {
        try {
            loadScripts(false);
            try {
                return pipeline(batch);
            } catch (JedisDataException e) {
                if (e.getMessage() == null || !e.getMessage().startsWith("NOSCRIPT")) {
                    throw e;
                }
                loadScripts(true); // Redis restarted and lost its script cache; the batch is safe to repeat
                return pipeline(batch);
            }
        } catch (JedisDataException e) {
            throw e;
        } catch (JedisException e) {
            throw new UnavailableException(e);
        }
    }

    private Outcome pipeline(List<SinkWrite> batch) {
        List<Response<Object>> replies = new ArrayList<>(batch.size());
        try (Pipeline pipeline = client.pipelined()) {
            for (SinkWrite write : batch) {
                replies.add(send(pipeline, write));
            }
            pipeline.sync();
        }
        int written = 0;
        int present = 0;
        int rejected = 0;
        for (Response<Object> reply : replies) {
            try {
                if (Long.valueOf(1).equals(reply.get())) {
                    written++;
                } else {
                    present++;
                }
            } catch (JedisDataException e) {
                if (e.getMessage() != null && e.getMessage().startsWith("NOSCRIPT")) {
                    throw e;
                }
                rejected++; // e.g. a key of the wrong type written by someone else: retrying cannot help
            }
        }
        return new Outcome(written, present, rejected);
    }

    private Response<Object> send(Pipeline pipeline, SinkWrite write) {
        return switch (write.kind()) {
            case EXECUTION -> pipeline.evalsha(executionSha,
                    List.of(keys.execLog(write.target()), keys.execStatus(write.target()), keys.execChannel(write.target())),
                    List.of(String.valueOf(write.seq()), write.envelope(), write.snapshot(), maxLen, logTtlMs, statusTtlMs,
                            String.valueOf(System.currentTimeMillis()), keys.userExecutionsPrefix(), USER_INDEX_LENGTH, write.target()));
            case NOTIFICATION -> pipeline.evalsha(publishOnceSha,
                    List.of(keys.published("notif", write.target() + ":" + write.dedupId()), keys.notifications(write.target()), keys.broadcastLatest()),
                    List.of(write.envelope(), String.valueOf(PUBLISHED_MARKER_TTL.toMillis()), ""));
            case SYSTEM -> pipeline.evalsha(publishOnceSha,
                    List.of(keys.published("broadcast", write.dedupId()), keys.broadcast(), keys.broadcastLatest()),
                    List.of(write.envelope(), String.valueOf(PUBLISHED_MARKER_TTL.toMillis()), write.target()));
        };
    }

    private void loadScripts(boolean force) {
        if (force || executionSha == null) {
            executionSha = client.scriptLoad(RedisScript.EXECUTION_WRITE.source());
            publishOnceSha = client.scriptLoad(RedisScript.PUBLISH_ONCE.source());
        }
    }

    /** Marks the pipeline alive now (kept an hour, so an old mark still says when it stopped). */
    void heartbeat(long nowMillis) {
        client.set(keys.pipelineHeartbeat(), String.valueOf(nowMillis), redis.clients.jedis.params.SetParams.setParams().ex(3_600));
    }

    @Override
    public void close() {
        client.close();
    }
}
