package io.sserouter.edge.redis;

import io.sserouter.contract.PubSub;
import io.sserouter.contract.RedisKeys;
import io.sserouter.contract.RedisScript;
import io.sserouter.edge.EdgeSettings;
import io.sserouter.edge.auth.Principal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.ZAddParams;

/**
 * Per-user limits that hold across every edge instance, kept in Redis: connection attempts per minute, and open
 * streams per user (the oldest is evicted, wherever it is, through the kick channel). A stream's slot lives only as
 * long as its instance keeps refreshing it, so a crashed instance leaks nothing for long.
 */
public final class UserLimits {
    /** A connection attempt over the rate: when the client may try again. */
    public static final class RateLimitedException extends Exception {
        private final long retryAfterSeconds;

        RateLimitedException(long retryAfterSeconds) {
            super("rate limited", null, false, false);
            this.retryAfterSeconds = retryAfterSeconds;
        }

        public long retryAfterSeconds() {
            return retryAfterSeconds;
        }
    }

    /** A minute's counter outlives its minute a little, so a clock a bit behind still finds it. */
    private static final Duration RATE_COUNTER_TTL = Duration.ofSeconds(61);

    private final UnifiedJedis redis;
    private final RedisKeys keys;
    private final EdgeSettings settings;
    private final Duration slotTtl;
    private final String publish;

    public UserLimits(UnifiedJedis redis, RedisKeys keys, EdgeSettings settings, PubSub pubSub) {
        this.redis = redis;
        this.keys = keys;
        this.settings = settings;
        this.publish = RedisScript.PUBLISH.source(pubSub);
        this.slotTtl = settings.heartbeat().multipliedBy(3);
    }

    /** Counts one connection attempt in the current minute; admins get ten times the rate. */
    public void attempt(Principal principal) throws RateLimitedException {
        long now = System.currentTimeMillis();
        long minute = now / 60_000;
        Object count = redis.eval(RedisScript.CONNECT_RATE.source(), List.of(keys.connectRate(principal.userId(), minute)),
                List.of(String.valueOf(RATE_COUNTER_TTL.toMillis())));
        long limit = (long) settings.connectRatePerMinute() * (principal.admin() ? 10 : 1);
        if ((Long) count > limit) {
            throw new RateLimitedException(Math.max(1, ((minute + 1) * 60_000 - now + 999) / 1000));
        }
    }

    /** Takes a slot for a new stream; the user's oldest streams beyond the limit are told to go. */
    public void open(Principal principal, String streamId) {
        int limit = principal.admin() ? settings.maxConnectionsAdmin() : settings.maxConnectionsPerUser();
        String user = principal.userId();
        long now = System.currentTimeMillis();
        Object evicted = redis.eval(RedisScript.STREAM_SLOT_OPEN.source(), List.of(keys.streamSlots(user), keys.streamSlotDeadlines(user)),
                List.of(streamId, String.valueOf(now), String.valueOf(now + slotTtl.toMillis()), String.valueOf(limit),
                        String.valueOf(slotTtl.toMillis())));
        // a separate call: the kick channel is every user's, so in a cluster it lives in a slot of its own
        for (Object stream : (List<?>) evicted) {
            redis.eval(publish, List.of(keys.streamKick()), List.of(String.valueOf(stream)));
        }
    }

    /**
     * Keeps the slots of streams that are still open (stream id to user id) from lapsing. Only a stream still listed
     * gets a new deadline: one evicted meanwhile stays out.
     */
    public void refresh(Map<String, String> streamUsers) {
        if (streamUsers.isEmpty()) {
            return;
        }
        long deadline = System.currentTimeMillis() + slotTtl.toMillis();
        try (var pipeline = redis.pipelined()) {
            streamUsers.forEach((stream, user) -> pipeline.zadd(keys.streamSlotDeadlines(user), deadline, stream, ZAddParams.zAddParams().xx()));
            for (String user : Set.copyOf(streamUsers.values())) {
                pipeline.pexpire(keys.streamSlots(user), slotTtl.toMillis());
                pipeline.pexpire(keys.streamSlotDeadlines(user), slotTtl.toMillis());
            }
            pipeline.sync();
        }
    }

    public void close(String userId, String streamId) {
        redis.zrem(keys.streamSlots(userId), streamId);
        redis.zrem(keys.streamSlotDeadlines(userId), streamId);
    }
}
