package io.sserouter.topology;

import io.sserouter.contract.PubSub;
import io.sserouter.contract.RedisKeys;
import io.sserouter.contract.RedisScript;
import io.sserouter.config.RedisFailures;
import io.sserouter.config.RedisSettings;
import io.sserouter.contract.Json;
import io.sserouter.contract.StatusSnapshot;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.Response;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.ZAddParams;
import redis.clients.jedis.resps.StreamEntry;
import redis.clients.jedis.resps.Tuple;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Writes batches of outbox entries to Redis in one pipeline. Every write is a script that does its whole job
 * atomically and does nothing if it was already done, so a batch can be repeated after any failure:
 * an execution event is appended to its log with stream id {@code {seq}-0} (Redis refuses an id that is not
 * greater than the last), and only when that append succeeds is the snapshot replaced and the envelope published.
 * A batch counts as written once the master's replicas hold it too ({@link ReplicaGuard}).
 */
public final class RedisSink implements EventSink {
    private static final Logger LOG = LoggerFactory.getLogger(RedisSink.class);
    private final UnifiedJedis client;
    private final RedisKeys keys;
    private final TopologySettings settings;
    private final LongSupplier clock;
    private volatile String executionSha;
    private volatile String publishOnceSha;
    private volatile String userLogSha;
    private final ReplicaGuard replicas;
    private final ExecutorService sender;
    /** Reads the replies of a cluster pipeline's masters in parallel, shared by every batch. */
    private final ExecutorService clusterPipelineThreads;
    private final PubSub pubSub;
    private final AtomicLong failures = new AtomicLong();

    public RedisSink(RedisSettings redis, TopologySettings settings) {
        this(redis, settings, System::currentTimeMillis);
    }

    /** With the clock that dates each owner's log entry (a test compares them with another sink's). */
    public RedisSink(RedisSettings redis, TopologySettings settings, LongSupplier clock) {
        this.keys = redis.keys();
        this.settings = settings;
        this.clock = clock;
        this.client = redis.pooledClient("sse-router-topology", settings.threads() + 4);
        String problem = redis.clusterProblem();
        if (problem != null) {
            LOG.error("{}", problem);
        }
        this.pubSub = redis.pubSub();
        LOG.info("Redis pub/sub: {}", pubSub == PubSub.SHARDED ? "sharded (SPUBLISH)" : "global (PUBLISH)");
        this.replicas = new ReplicaGuard(client, redis.acks());
        // each processor has at most one batch in flight; a thread per stream thread, and one more, keeps them moving
        AtomicInteger threads = new AtomicInteger();
        this.sender = Executors.newFixedThreadPool(settings.threads() + 1, runnable -> {
            Thread thread = new Thread(runnable, "sse-router-redis-writer-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        AtomicInteger pipelineThreads = new AtomicInteger();
        this.clusterPipelineThreads = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "sse-router-redis-pipeline-" + pipelineThreads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    @Override
    public Executor sender() {
        return sender;
    }

    /** Performs every write of the batch, in order, in one round trip (a benchmark baseline makes the same writes). */
    @Override
    public Outcome write(List<SinkWrite> batch) throws UnavailableException {
        return write(batch, true);
    }

    @Override
    public Outcome writeAcceptingGaps(List<SinkWrite> batch) throws UnavailableException {
        return write(batch, false);
    }

    @Override
    public Outcome write(List<SinkWrite> batch, String applicationId, Map<String, Long> inputs) throws UnavailableException {
        if (client instanceof RedisClusterClient || inputs.isEmpty()) {
            return EventSink.super.write(batch, applicationId, inputs); // the mark in a round trip of its own, first
        }
        return write(batch, true, new Marks(keys.sequencerInputs(applicationId), scores(inputs)));
    }

    /** Input positions recorded ahead of a batch's writes, in the same pipeline. */
    private record Marks(String key, Map<String, Double> scores) {
    }

    private static Map<String, Double> scores(Map<String, Long> positions) {
        Map<String, Double> scores = new HashMap<>();
        positions.forEach((input, offset) -> scores.put(input, (double) offset)); // offsets stay exact below 2^53
        return scores;
    }

    private Outcome write(List<SinkWrite> batch, boolean checked) throws UnavailableException {
        return write(batch, checked, null);
    }

    private Outcome write(List<SinkWrite> batch, boolean checked, Marks marks) throws UnavailableException {
        try {
            return writeOnce(batch, checked, marks);
        } catch (UnavailableException e) {
            if (!(e.getCause() instanceof ReplicaGuard.ReplicasBehind)) {
                failures.incrementAndGet();
            }
            throw e;
        }
    }

    @Override
    public long failures() {
        return failures.get();
    }

    private Outcome writeOnce(List<SinkWrite> batch, boolean checked, Marks marks) throws UnavailableException {
        try {
            loadScripts(false);
            try {
                return pipeline(batch, checked, marks);
            } catch (JedisDataException e) {
                if (e.getMessage() == null || !e.getMessage().startsWith("NOSCRIPT")) {
                    throw e;
                }
                failures.incrementAndGet(); // a node that lost its script cache restarted, and may have lost writes too
                loadScripts(true); // the batch is safe to repeat
                return pipeline(batch, checked, marks);
            }
        } catch (JedisDataException e) {
            if (RedisFailures.passing(e)) {
                throw unavailable(e);
            }
            throw e;
        } catch (JedisException e) {
            throw new UnavailableException(e);
        }
    }

    private UnavailableException unavailable(JedisDataException e) {
        if (client instanceof RedisClusterClient cluster) {
            try {
                cluster.refreshClusterTopology();
            } catch (JedisException refreshFailed) {
                // the next attempt reads the slot map again
            }
        }
        return new UnavailableException(e);
    }

    private Outcome pipeline(List<SinkWrite> batch, boolean checked, Marks marks) throws UnavailableException {
        List<List<Response<Object>>> replies = new ArrayList<>(batch.size());
        ReplicaGuard.Pending acks;
        Response<Long> marked = null;
        long now = clock.getAsLong();
        try (AbstractPipeline pipeline = pipelined()) {
            if (marks != null) {
                marked = pipeline.zadd(marks.key(), marks.scores(), ZAddParams.zAddParams().gt());
            }
            List<String> written = new ArrayList<>(batch.size());
            for (SinkWrite write : batch) {
                List<ScriptCall> calls = ScriptCall.of(write, keys, settings, now, checked);
                List<Response<Object>> writeReplies = new ArrayList<>(calls.size());
                for (ScriptCall call : calls) {
                    writeReplies.add(pipeline.evalsha(sha(call.script()), call.keys(), call.args()));
                    written.add(call.keys().get(0));
                }
                replies.add(writeReplies);
            }
            acks = replicas.request(pipeline, written);
            pipeline.sync();
        }
        if (marked != null) {
            marked.get(); // an error reply fails the batch, which is sent again, as a failed markInputs did
        }
        int written = 0;
        int present = 0;
        int rejected = 0;
        int behind = 0;
        for (List<Response<Object>> writeReplies : replies) {
            try {
                Object decisive = null;
                for (Response<Object> reply : writeReplies) {
                    decisive = reply.get(); // the last call's reply tells how the write went; any error refuses it
                }
                if (Long.valueOf(1).equals(decisive)) {
                    written++;
                } else if (ScriptCall.behind(decisive)) {
                    behind++;
                } else {
                    present++;
                }
            } catch (JedisDataException e) {
                if (e.getMessage() != null && e.getMessage().startsWith("NOSCRIPT")) {
                    throw e;
                }
                if (RedisFailures.passing(e)) {
                    throw unavailable(e);
                }
                rejected++; // e.g. a key of the wrong type written by someone else: retrying cannot help
            }
        }
        replicas.check(acks);
        return new Outcome(written, present, rejected, behind);
    }

    /**
     * A cluster's pipeline spans several masters; without an executor of its own Jedis starts and stops a thread pool
     * on every sync that reaches more than one, which cost more than the writes themselves.
     */
    private AbstractPipeline pipelined() {
        return client instanceof RedisClusterClient cluster ? cluster.pipelined(clusterPipelineThreads) : client.pipelined();
    }

    private String sha(RedisScript script) {
        return switch (script) {
            case EXECUTION_WRITE -> executionSha;
            case USER_LOG_APPEND -> userLogSha;
            case PUBLISH_ONCE -> publishOnceSha;
            default -> throw new IllegalArgumentException("not a topology script: " + script);
        };
    }

    private void loadScripts(boolean force) {
        if (force || executionSha == null) {
            executionSha = client.scriptLoad(RedisScript.EXECUTION_WRITE.source(pubSub));
            publishOnceSha = client.scriptLoad(RedisScript.PUBLISH_ONCE.source(pubSub));
            userLogSha = client.scriptLoad(RedisScript.USER_LOG_APPEND.source(pubSub));
        }
    }

    @Override
    public void markInputs(String applicationId, Map<String, Long> positions) throws UnavailableException {
        try {
            client.zadd(keys.sequencerInputs(applicationId), scores(positions), ZAddParams.zAddParams().gt());
        } catch (JedisException e) {
            throw new UnavailableException(e);
        }
    }

    @Override
    public Map<String, Long> inputMarks(String applicationId) throws UnavailableException {
        try {
            Map<String, Long> marks = new HashMap<>();
            for (Tuple mark : client.zrangeWithScores(keys.sequencerInputs(applicationId), 0, -1)) {
                marks.put(mark.getElement(), (long) mark.getScore());
            }
            return marks;
        } catch (JedisException e) {
            throw new UnavailableException(e);
        }
    }

    @Override
    public Written writtenAfter(String executionId, long seq) throws UnavailableException {
        try {
            List<Logged> events = new ArrayList<>();
            long last = seq;
            for (StreamEntry entry : client.xrange(keys.execLog(executionId), new StreamEntryID(seq + 1, 0), StreamEntryID.MAXIMUM_ID)) {
                events.add(new Logged(entry.getID().getTime(), entry.getFields().get(RedisKeys.LOG_IDENTITY_FIELD),
                        entry.getFields().get(RedisKeys.LOG_FIELD)));
                last = Math.max(last, entry.getID().getTime());
            }
            if (events.isEmpty()) { // no log after seq: the snapshot still tells whether later seqs were written
                String snapshot = client.get(keys.execStatus(executionId));
                if (snapshot != null) {
                    last = Math.max(last, Json.read(snapshot, StatusSnapshot.class).lastSeq());
                }
            }
            return new Written(last, events);
        } catch (JedisException e) {
            throw new UnavailableException(e);
        }
    }

    @Override
    public void heartbeat(long nowMillis) {
        try {
            heartbeatOnce(nowMillis);
        } catch (JedisException e) {
            failures.incrementAndGet(); // no write may have noticed: the cluster may have failed over in a quiet spell
            throw e;
        }
    }

    private void heartbeatOnce(long nowMillis) {
        client.set(keys.pipelineHeartbeat(), String.valueOf(nowMillis), redis.clients.jedis.params.SetParams.setParams().ex(HEARTBEAT_TTL_SECONDS));
    }

    @Override
    public void close() {
        sender.shutdown();
        clusterPipelineThreads.shutdown();
        try {
            sender.awaitTermination(settings.redisMaxBlock().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        client.close();
    }
}
