package io.sserouter.topology;

import io.sserouter.contract.RedisKeys;
import io.sserouter.contract.RedisScript;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One write as calls of its Redis scripts: which script, its KEYS and its ARGV. Built in one place so that every
 * sink, the Redis one and the in-memory one of the tests, sends exactly the same calls.
 */
public record ScriptCall(RedisScript script, List<String> keys, List<String> args) {
    /** How long a notification or system event is remembered as published. */
    static final Duration PUBLISHED_MARKER_TTL = Duration.ofHours(1);
    private static final String USER_EXECUTIONS_KEPT = String.valueOf(RedisKeys.USER_EXECUTIONS_KEPT);

    /**
     * The calls for {@code write}, in the order they must be performed, with {@code nowMillis} dating the owner's log
     * entries. An execution event with a known owner is appended to the owner's log first (the events sequenced
     * before the owner was known, then this one), and only then written to the execution's keys: so a snapshot that
     * counts an event always finds the event in the owner's log, which is what lets a user stream start from
     * snapshots without repeating their events. The owner's keys and the execution's hash to different cluster
     * slots, hence separate calls, each idempotent by seq.
     */
    public static List<ScriptCall> of(SinkWrite write, RedisKeys keys, TopologySettings settings, long nowMillis) {
        return of(write, keys, settings, nowMillis, true);
    }

    /**
     * As above; with {@code checked}, an execution event is refused ({@link #behind}) when its execution's keys end
     * below the seq before it, else it is written whatever they hold.
     */
    public static List<ScriptCall> of(SinkWrite write, RedisKeys keys, TopologySettings settings, long nowMillis, boolean checked) {
        return switch (write.kind()) {
            case EXECUTION -> {
                List<ScriptCall> calls = new ArrayList<>(write.earlier().size() + 2);
                if (write.owner() != null) {
                    for (SinkWrite.Earlier earlier : write.earlier()) {
                        calls.add(userLogAppend(write.owner(), write.target(), earlier.seq(), earlier.envelope(), keys, settings, nowMillis));
                    }
                    calls.add(userLogAppend(write.owner(), write.target(), write.seq(), write.envelope(), keys, settings, nowMillis));
                }
                calls.add(new ScriptCall(RedisScript.EXECUTION_WRITE,
                        List.of(keys.execLog(write.target()), keys.execStatus(write.target()), keys.execChannel(write.target())),
                        List.of(String.valueOf(write.seq()), write.envelope(), write.snapshot(), String.valueOf(settings.logMaxEvents()),
                                String.valueOf(settings.logTtl().toMillis()), String.valueOf(settings.statusTtl().toMillis()),
                                write.dedupId(), checked ? "1" : "0")));
                yield calls;
            }
            case NOTIFICATION -> List.of(new ScriptCall(RedisScript.PUBLISH_ONCE,
                    List.of(keys.publishedNotification(write.target(), write.dedupId()), keys.notifications(write.target())),
                    List.of(write.envelope(), String.valueOf(PUBLISHED_MARKER_TTL.toMillis()), "")));
            case SYSTEM -> List.of(new ScriptCall(RedisScript.PUBLISH_ONCE,
                    List.of(keys.publishedBroadcast(write.dedupId()), keys.broadcast(), keys.broadcastLatest()),
                    List.of(write.envelope(), String.valueOf(PUBLISHED_MARKER_TTL.toMillis()), write.target())));
        };
    }

    /** Whether the last call's reply says the execution's keys end below the seq before the write's. */
    public static boolean behind(Object reply) {
        return reply instanceof String text && text.startsWith("behind:")
                || reply instanceof byte[] bytes && new String(bytes, java.nio.charset.StandardCharsets.UTF_8).startsWith("behind:");
    }

    private static ScriptCall userLogAppend(String owner, String executionId, long seq, String envelope, RedisKeys keys,
                                            TopologySettings settings, long nowMillis) {
        // the last id, the markers and the executions outlive the log, so a reader still tells a gap from nothing
        long keptMillis = Math.max(settings.statusTtl().toMillis(), settings.logTtl().toMillis());
        return new ScriptCall(RedisScript.USER_LOG_APPEND,
                List.of(keys.userLog(owner), keys.userLogLast(owner), keys.userLogAppended(owner, executionId),
                        keys.userExecutions(owner), keys.userChannel(owner)),
                List.of(String.valueOf(seq), envelope, executionId, String.valueOf(nowMillis),
                        settings.userLog() ? String.valueOf(settings.userLogMaxEvents()) : "0", // 0: only the user's executions
                        String.valueOf(settings.logTtl().toMillis()), String.valueOf(keptMillis), USER_EXECUTIONS_KEPT));
    }
}
