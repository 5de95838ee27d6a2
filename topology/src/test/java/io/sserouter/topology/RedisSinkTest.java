package io.sserouter.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sserouter.testkit.Infra;
import io.sserouter.testkit.PubSubRecorder;
import io.sserouter.testkit.RedisCluster;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/** The Redis writes are idempotent: performing them again changes nothing and publishes nothing. */
class RedisSinkTest {
    private final TopologySettings settings = TopologySettings.fromEnv(Map.of(
            "REDIS_URL", Infra.redis().url(), "SSE_REDIS_PREFIX", "sink-test:", "SSE_BUFFER_MAX_EVENTS", "3"));

    private static SinkWrite exec(String id, long seq) {
        return new SinkWrite(SinkWrite.Kind.EXECUTION, id, seq, "id:" + seq, "t/0/" + seq,
                "{\"execution_id\":\"" + id + "\",\"seq\":" + seq + "}",
                "{\"execution_id\":\"" + id + "\",\"last_seq\":" + seq + "}", false);
    }

    @Test
    void onAClusterWithTheShippedDefaultsCountingTheReplicasLeavesThePooledConnectionsWorking() throws Exception {
        try (RedisCluster cluster = RedisCluster.start()) {
            TopologySettings onCluster = TopologySettings.fromEnv(Map.of("REDIS_URL", cluster.url(), "SSE_REDIS_PREFIX", "sink-cluster:"));
            try (RedisSink sink = new RedisSink(onCluster.redis(), onCluster)) {
                for (long i = 1; i <= 20; i++) {
                    // SSE_REDIS_WAIT_REPLICAS=auto asks every master how many replicas it has, on the pooled connections
                    assertEquals(new RedisSink.Outcome(1, 0, 0), sink.write(List.of(exec("c-" + i, 1))));
                    sink.markInputs("app", Map.of("t/0", i));
                    assertEquals(Map.of("t/0", i), sink.inputMarks("app"), "a read whose reply differs between RESP2 and RESP3");
                    assertEquals(new RedisSink.Outcome(1, 0, 0), sink.write(List.of(exec("m-" + i, 1)), "app2", Map.of("t/1", i)));
                    assertEquals(Map.of("t/1", i), sink.inputMarks("app2"), "marked before the batch, in a round trip of its own");
                }
            }
        }
    }

    @Test
    void repeatingABatchRewritesNothingAndPublishesNothing() throws Exception {
        try (RedisSink sink = new RedisSink(settings.redis(), settings);
             PubSubRecorder published = new PubSubRecorder(settings.redis().url(), "sink-test:*");
             Jedis redis = new Jedis(settings.redis().url())) {
            var keys = settings.redis().keys();
            List<SinkWrite> batch = List.of(exec("r-1", 1), exec("r-1", 2), exec("r-1", 3), exec("r-1", 4));
            assertEquals(new RedisSink.Outcome(4, 0, 0), sink.write(batch));
            assertEquals(new RedisSink.Outcome(0, 4, 0), sink.write(batch), "second time: all already present");
            assertEquals(new RedisSink.Outcome(0, 2, 0), sink.write(List.of(exec("r-1", 2), exec("r-1", 3))));

            assertEquals(3, redis.xlen(keys.execLog("r-1")), "MAXLEN from SSE_BUFFER_MAX_EVENTS");
            assertEquals("{\"execution_id\":\"r-1\",\"last_seq\":4}", redis.get(keys.execStatus("r-1")));
            published.await("never", 1, Duration.ofMillis(300));
            assertEquals(4, published.on(keys.execChannel("r-1")).size());

            // the log expired but the snapshot remains: an old seq must not come back
            redis.del(keys.execLog("r-1"));
            assertEquals(new RedisSink.Outcome(0, 1, 0), sink.write(List.of(exec("r-1", 3))));
            assertEquals(false, redis.exists(keys.execLog("r-1")), "the log is not recreated for an old seq");

            long ttl = redis.pttl(keys.execLog("r-1"));
            assertEquals(-2, ttl);
            assertEquals(new RedisSink.Outcome(1, 0, 0), sink.write(List.of(exec("r-1", 5))));
            long logTtl = redis.pttl(keys.execLog("r-1"));
            long statusTtl = redis.pttl(keys.execStatus("r-1"));
            assertEquals(true, logTtl > 290_000 && logTtl <= 300_000, "log expires 5 min after the last write: " + logTtl);
            assertEquals(true, statusTtl > 86_300_000 && statusTtl <= 86_400_000, "snapshot expires 24 h after the last write: " + statusTtl);
        }
    }

    private static SinkWrite owned(String id, long seq, String owner) {
        return new SinkWrite(SinkWrite.Kind.EXECUTION, id, seq, "id:" + seq, "t/0/" + seq, "{\"execution_id\":\"" + id + "\",\"seq\":" + seq + "}",
                "{\"execution_id\":\"" + id + "\",\"owner\":" + (owner == null ? "null" : "\"" + owner + "\"") + ",\"last_seq\":" + seq + "}", false,
                owner, List.of());
    }

    @Test
    void eachOwnerHasAnIndexOfTheirRecentlyActiveExecutions() throws Exception {
        try (RedisSink sink = new RedisSink(settings.redis(), settings); Jedis redis = new Jedis(settings.redis().url())) {
            var keys = settings.redis().keys();
            sink.write(List.of(owned("u-1", 1, null), owned("u-1", 2, "ann"), owned("u-2", 1, "ann"), owned("u-3", 1, "bo")));
            Thread.sleep(5);
            sink.write(List.of(owned("u-1", 3, "ann")));
            assertEquals(List.of("u-1", "u-2"), redis.zrevrange(keys.userExecutions("ann"), 0, -1), "newest activity first");
            assertEquals(List.of("u-3"), redis.zrevrange(keys.userExecutions("bo"), 0, -1));
            assertEquals(true, redis.pttl(keys.userExecutions("ann")) > 86_300_000, "kept as long as the snapshots");
            sink.write(List.of(owned("u-1", 3, "ann"), owned("u-1", 2, "ann")));
            assertEquals(2, redis.zcard(keys.userExecutions("ann")), "a repeated write adds nothing");
            for (int i = 0; i < io.sserouter.contract.RedisKeys.USER_EXECUTIONS_KEPT + 5; i++) {
                sink.write(List.of(owned("many-" + i, 1, "cy")));
                Thread.sleep(2); // recency is by millisecond
            }
            assertEquals(io.sserouter.contract.RedisKeys.USER_EXECUTIONS_KEPT, redis.zcard(keys.userExecutions("cy")), "bounded");
            assertEquals(null, redis.zrank(keys.userExecutions("cy"), "many-4"), "the oldest were dropped");
            assertEquals(0L, redis.zrank(keys.userExecutions("cy"), "many-5"));
        }
    }

    @Test
    void aScriptCacheLostByRedisIsReloaded() throws Exception {
        try (RedisSink sink = new RedisSink(settings.redis(), settings); Jedis redis = new Jedis(settings.redis().url())) {
            assertEquals(new RedisSink.Outcome(1, 0, 0), sink.write(List.of(exec("r-2", 1))));
            redis.scriptFlush();
            assertEquals(new RedisSink.Outcome(1, 0, 0), sink.write(List.of(exec("r-2", 2))));
        }
    }

    /** What a sequencer restarted on the direct path reads: how far its inputs went, and what Redis has beyond its state. */
    @Test
    void inputMarksOnlyRiseAndTheLogTellsEachEventsSeqByIdentity() throws Exception {
        String app = "app-" + System.nanoTime();
        try (RedisSink sink = new RedisSink(settings.redis(), settings); Jedis redis = new Jedis(settings.redis().url())) {
            sink.markInputs(app, Map.of("execution_events/0", 41L, "pod_events/0", 7L));
            sink.markInputs(app, Map.of("execution_events/0", 12L, "pod_events/0", 9L)); // a replay marks lower offsets again
            assertEquals(Map.of("execution_events/0", 41L, "pod_events/0", 9L), sink.inputMarks(app));
            // with a batch: in its round trip, ahead of its writes
            assertEquals(new RedisSink.Outcome(1, 0, 0),
                    sink.write(List.of(exec("r-marked", 1)), app, Map.of("execution_events/0", 50L, "pod_events/0", 3L)));
            assertEquals(Map.of("execution_events/0", 50L, "pod_events/0", 9L), sink.inputMarks(app));
            assertEquals(1, redis.xlen(settings.redis().keys().execLog("r-marked")));

            sink.write(List.of(exec("r-resume", 1), exec("r-resume", 2), exec("r-resume", 3)));
            EventSink.Written written = sink.writtenAfter("r-resume", 1);
            assertEquals(3, written.lastSeq());
            assertEquals(List.of(new EventSink.Logged(2, "id:2", exec("r-resume", 2).envelope()),
                    new EventSink.Logged(3, "id:3", exec("r-resume", 3).envelope())), written.events());

            // once the log has expired, the snapshot still says which seqs are taken
            redis.del(settings.redis().keys().execLog("r-resume"));
            assertEquals(new EventSink.Written(3, List.of()), sink.writtenAfter("r-resume", 1));
            assertEquals(new EventSink.Written(0, List.of()), sink.writtenAfter("r-never", 0));
        }
    }

    @Test
    void eachOwnerHasALogOfEveryEventOfTheirExecutionsIncludingThoseBeforeTheOwnerWasKnown() throws Exception {
        try (RedisSink sink = new RedisSink(settings.redis(), settings);
             PubSubRecorder published = new PubSubRecorder(settings.redis().url(), "sink-test:user:*");
             Jedis redis = new Jedis(settings.redis().url())) {
            var keys = settings.redis().keys();
            SinkWrite first = owned("l-1", 1, null);
            SinkWrite known = new SinkWrite(SinkWrite.Kind.EXECUTION, "l-1", 3, "id:3", "t/0/3", "{\"seq\":3}", "{\"last_seq\":3}", false,
                    "dee", List.of(new SinkWrite.Earlier(1, "{\"seq\":1}"), new SinkWrite.Earlier(2, "{\"seq\":2}")));
            sink.write(List.of(first, owned("l-2", 1, "dee"), known));
            sink.write(List.of(known, owned("l-2", 1, "dee"))); // repeated after a crash: appends nothing

            var entries = redis.xrange(keys.userLog("dee"), "-", "+");
            assertEquals(List.of("{\"execution_id\":\"l-2\",\"seq\":1}", "{\"seq\":1}", "{\"seq\":2}", "{\"seq\":3}"),
                    entries.stream().map(e -> e.getFields().get(io.sserouter.contract.RedisKeys.LOG_FIELD)).toList(), "log order, each once");
            String prev = "0-0";
            for (var entry : entries) {
                assertEquals(prev, entry.getFields().get(io.sserouter.contract.RedisKeys.USER_LOG_PREV_FIELD), "each entry names the one before");
                prev = entry.getID().toString();
            }
            assertEquals(prev, redis.get(keys.userLogLast("dee")));
            published.await(keys.userChannel("dee"), 4, Duration.ofSeconds(5));
            List<String> live = published.on(keys.userChannel("dee"));
            assertEquals(4, live.size(), "published once each: " + live);
            assertEquals(entries.get(3).getID() + " " + entries.get(2).getID() + " {\"seq\":3}", live.get(3), "'{id} {prev} {envelope}'");
        }
    }

    @Test
    void withoutTheOwnersLogTheOwnersListOfExecutionsIsStillKept() throws Exception {
        TopologySettings noLog = TopologySettings.fromEnv(Map.of(
                "REDIS_URL", Infra.redis().url(), "SSE_REDIS_PREFIX", "sink-nolog:", "SSE_USER_LOG", "false"));
        try (RedisSink sink = new RedisSink(noLog.redis(), noLog);
             PubSubRecorder published = new PubSubRecorder(noLog.redis().url(), "sink-nolog:user:*");
             Jedis redis = new Jedis(noLog.redis().url())) {
            var keys = noLog.redis().keys();
            assertEquals(new RedisSink.Outcome(2, 0, 0), sink.write(List.of(owned("n-1", 1, "ivy"), owned("n-2", 1, "ivy"))));
            assertEquals(List.of("n-2", "n-1"), redis.zrevrange(keys.userExecutions("ivy"), 0, -1));
            assertEquals(false, redis.exists(keys.userLog("ivy")), "no log");
            assertEquals(null, redis.get(keys.userLogLast("ivy")));
            published.await("never", 1, Duration.ofMillis(300));
            assertEquals(List.of(), published.on(keys.userChannel("ivy")), "nothing published for the user stream");
        }
    }
}
