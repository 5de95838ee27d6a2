package io.sserouter.edge.redis;

import io.sserouter.config.RedisSettings;
import io.sserouter.contract.PubSub;
import io.sserouter.edge.redis.EventStore.Listener;
import io.sserouter.edge.redis.EventStore.UnavailableException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * An edge instance's live messages from Redis pub/sub, shared by every stream: a channel is subscribed while it has
 * local listeners. Whenever a subscription may have missed messages (a connection lost and back, a channel moved to
 * another node), its listeners are told to resync from the replay log: pub/sub is at-most-once.
 */
public interface Fanout extends AutoCloseable {
    /** The kind of fanout the deployment's pub/sub needs. */
    static Fanout of(RedisSettings redis, PubSub pubSub) {
        return pubSub == PubSub.SHARDED ? new ShardedFanout(redis) : new GlobalFanout(redis);
    }

    /** True while every subscriber connection it needs is up: the edge's readiness. */
    boolean up();

    /** How long a new stream waits for Redis to confirm its channel's subscription. */
    Duration CONFIRM_TIMEOUT = Duration.ofSeconds(5);

    /**
     * Adds a listener; the first one of a channel subscribes it. The future completes once Redis confirmed the
     * subscription.
     */
    CompletableFuture<Void> register(String channel, Listener listener);

    /** Adds a listener and returns once Redis confirmed the channel's subscription, so nothing published after is missed. */
    default void subscribe(String channel, Listener listener) throws UnavailableException {
        try {
            register(channel, listener).get(CONFIRM_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            unsubscribe(channel, listener);
            throw new UnavailableException("Redis did not confirm the subscription to " + channel);
        }
    }

    /** Adds a listener without waiting for the subscription: for channels the edge listens to for its whole life. */
    default void listen(String channel, Listener listener) {
        register(channel, listener);
    }

    void unsubscribe(String channel, Listener listener);

    @Override
    void close();
}
