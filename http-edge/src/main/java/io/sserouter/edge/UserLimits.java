package io.sserouter.edge;

import io.sserouter.contract.RedisKeys;
import io.sserouter.contract.RedisScript;
import java.time.Duration;
import java.util.List;
import redis.clients.jedis.RedisClient;

/**
 * Per-user limits that hold across every edge instance, kept in Redis: connection attempts per minute, and open
 * streams per user (the oldest is evicted, wherever it is, through the {@code kick} channel). A stream's slot lives
 * only as long as its instance keeps refreshing it, so a crashed instance leaks nothing for long.
 */
final class UserLimits {
    /** A connection attempt over the rate: when the client may try again. */
    static final class RateLimitedException extends Exception {
        final long retryAfterSeconds;

        RateLimitedException(long retryAfterSeconds) {
            super("rate limited", null, false, false);
            this.retryAfterSeconds = retryAfterSeconds;
        }
    }


    private final RedisClient redis;
    private final RedisKeys keys;
    private final EdgeSettings settings;
    private final Duration slotTtl;

    UserLimits(RedisClient redis, RedisKeys keys, EdgeSettings settings) {
        this.redis = redis;
        this.keys = keys;
        this.settings = settings;
        this.slotTtl = settings.heartbeat().multipliedBy(3);
    }

    /** Counts one connection attempt in the current minute; admins get ten times the rate. */
    void attempt(TokenVerifier.Principal principal) throws RateLimitedException {
        long now = System.currentTimeMillis();
        long minute = now / 60_000;
        String key = keys.prefix() + "rate:" + principal.userId() + ":" + minute;
        long count = redis.incr(key);
        if (count == 1) {
            redis.pexpire(key, 61_000);
        }
        long limit = (long) settings.connectRatePerMinute() * (principal.admin() ? 10 : 1);
        if (count > limit) {
            throw new RateLimitedException(Math.max(1, ((minute + 1) * 60_000 - now + 999) / 1000));
        }
    }

    /** Takes a slot for a new stream; the user's oldest streams beyond the limit are told to go. */
    void open(TokenVerifier.Principal principal, String streamId) {
        int limit = principal.admin() ? settings.maxConnectionsAdmin() : settings.maxConnectionsPerUser();
        redis.eval(RedisScript.STREAM_SLOT_OPEN.source(), List.of(slots(principal.userId())), List.of(streamId, String.valueOf(System.currentTimeMillis()),
                String.valueOf(limit), String.valueOf(slotTtl.toMillis()), slotPrefix(), kickChannel()));
    }

    /** Keeps the slots of streams that are still open from expiring. */
    void refresh(List<String> streamIds) {
        if (streamIds.isEmpty()) {
            return;
        }
        try (var pipeline = redis.pipelined()) {
            for (String id : streamIds) {
                pipeline.pexpire(slotPrefix() + id, slotTtl.toMillis());
            }
            pipeline.sync();
        }
    }

    void close(String userId, String streamId) {
        redis.zrem(slots(userId), streamId);
        redis.del(slotPrefix() + streamId);
    }

    String kickChannel() {
        return keys.prefix() + "edge:kick";
    }

    private String slots(String userId) {
        return keys.prefix() + "conns:" + userId;
    }

    private String slotPrefix() {
        return keys.prefix() + "conn:";
    }
}
