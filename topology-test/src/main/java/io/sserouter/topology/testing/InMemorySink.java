package io.sserouter.topology.testing;

import io.sserouter.contract.RedisKeys;
import io.sserouter.topology.EventSink;
import io.sserouter.topology.ScriptCall;
import io.sserouter.topology.SinkWrite;
import io.sserouter.topology.TopologySettings;
import io.sserouter.contract.Json;
import io.sserouter.contract.StatusSnapshot;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The topology's sink for tests: every write is the same script call the Redis sink sends ({@link ScriptCall}),
 * run on an {@link InMemoryRedis}, and its reply counted the same way. The owner's log entries are dated by
 * the in-memory clock.
 */
public final class InMemorySink implements EventSink {
    private final InMemoryRedis redis;
    private final RedisKeys keys;
    private final TopologySettings settings;

    public InMemorySink(InMemoryRedis redis, TopologySettings settings) {
        this.redis = redis;
        this.keys = settings.redis().keys();
        this.settings = settings;
    }

    @Override
    public Outcome write(List<SinkWrite> batch) {
        return write(batch, true);
    }

    @Override
    public Outcome writeAcceptingGaps(List<SinkWrite> batch) {
        return write(batch, false);
    }

    private Outcome write(List<SinkWrite> batch, boolean checked) {
        int written = 0;
        int present = 0;
        int rejected = 0;
        int behind = 0;
        for (SinkWrite write : batch) {
            try {
                Object decisive = null;
                for (ScriptCall call : ScriptCall.of(write, keys, settings, redis.nowMillis(), checked)) {
                    decisive = redis.eval(call.script(), call.keys(), call.args()); // the last call's reply tells how the write went
                }
                if (Long.valueOf(1).equals(decisive)) {
                    written++;
                } else if (ScriptCall.behind(decisive)) {
                    behind++;
                } else {
                    present++;
                }
            } catch (RedisError e) {
                rejected++;
            }
        }
        return new Outcome(written, present, rejected, behind);
    }

    @Override
    public void markInputs(String applicationId, Map<String, Long> positions) {
        List<String> args = new ArrayList<>(List.of("ZADD", keys.sequencerInputs(applicationId), "GT"));
        positions.forEach((input, offset) -> {
            args.add(String.valueOf(offset));
            args.add(input);
        });
        redis.call(args.toArray(String[]::new));
    }

    @Override
    public Map<String, Long> inputMarks(String applicationId) {
        Map<String, Long> marks = new HashMap<>();
        String key = keys.sequencerInputs(applicationId);
        for (String input : redis.sortedSet(key)) {
            marks.put(input, redis.score(key, input).longValue());
        }
        return marks;
    }

    @Override
    public Written writtenAfter(String executionId, long seq) {
        List<Logged> events = new ArrayList<>();
        long last = seq;
        for (InMemoryRedis.StreamEntry entry : redis.stream(keys.execLog(executionId))) {
            long entrySeq = Long.parseLong(entry.id().substring(0, entry.id().indexOf('-')));
            if (entrySeq > seq) {
                events.add(new Logged(entrySeq, entry.fields().get(RedisKeys.LOG_IDENTITY_FIELD), entry.fields().get(RedisKeys.LOG_FIELD)));
                last = Math.max(last, entrySeq);
            }
        }
        String snapshot = redis.get(keys.execStatus(executionId));
        if (events.isEmpty() && snapshot != null) {
            last = Math.max(last, Json.read(snapshot, StatusSnapshot.class).lastSeq());
        }
        return new Written(last, events);
    }

    @Override
    public void heartbeat(long nowMillis) {
        redis.call("SET", keys.pipelineHeartbeat(), String.valueOf(nowMillis), "EX", String.valueOf(HEARTBEAT_TTL_SECONDS));
    }

    public InMemoryRedis redis() {
        return redis;
    }

    @Override
    public void close() {
        // nothing to release: the keyspace stays readable after the topology closes
    }
}
