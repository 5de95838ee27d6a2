package io.sserouter.topology;

import io.sserouter.contract.RedisKeys;
import io.sserouter.contract.RedisScript;
import java.time.Duration;
import java.util.List;

/**
 * One write as a call of its Redis script: which script, its KEYS and its ARGV. Built in one place so that every
 * sink, the Redis one and the in-memory one of the tests, sends exactly the same call.
 */
public record ScriptCall(RedisScript script, List<String> keys, List<String> args) {
    /** How long a notification or system event is remembered as published. */
    static final Duration PUBLISHED_MARKER_TTL = Duration.ofHours(1);
    /** Executions kept in each user's index of recently active executions. */
    private static final String USER_INDEX_LENGTH = String.valueOf(RedisKeys.USER_EXECUTIONS_KEPT);

    /** The call for {@code write}, with {@code nowMillis} as the time of the owner's index entry. */
    public static ScriptCall of(SinkWrite write, RedisKeys keys, TopologySettings settings, long nowMillis) {
        return switch (write.kind()) {
            case EXECUTION -> new ScriptCall(RedisScript.EXECUTION_WRITE,
                    List.of(keys.execLog(write.target()), keys.execStatus(write.target()), keys.execChannel(write.target())),
                    List.of(String.valueOf(write.seq()), write.envelope(), write.snapshot(), String.valueOf(settings.logMaxEvents()),
                            String.valueOf(settings.logTtl().toMillis()), String.valueOf(settings.statusTtl().toMillis()),
                            String.valueOf(nowMillis), keys.userExecutionsPrefix(), USER_INDEX_LENGTH, write.target()));
            case NOTIFICATION -> new ScriptCall(RedisScript.PUBLISH_ONCE,
                    List.of(keys.published("notif", write.target() + ":" + write.dedupId()), keys.notifications(write.target()), keys.broadcastLatest()),
                    List.of(write.envelope(), String.valueOf(PUBLISHED_MARKER_TTL.toMillis()), ""));
            case SYSTEM -> new ScriptCall(RedisScript.PUBLISH_ONCE,
                    List.of(keys.published("broadcast", write.dedupId()), keys.broadcast(), keys.broadcastLatest()),
                    List.of(write.envelope(), String.valueOf(PUBLISHED_MARKER_TTL.toMillis()), write.target()));
        };
    }
}
