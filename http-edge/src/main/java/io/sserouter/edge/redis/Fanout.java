package io.sserouter.edge.redis;

import io.sserouter.config.RedisSettings;
import io.sserouter.contract.PubSub;
import io.sserouter.edge.redis.EventStore.Listener;
import io.sserouter.edge.redis.EventStore.UnavailableException;

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

    /** Adds a listener and returns once Redis confirmed the channel's subscription, so nothing published after is missed. */
    void subscribe(String channel, Listener listener) throws UnavailableException;

    /** Adds a listener without waiting for the subscription: for channels the edge listens to for its whole life. */
    void listen(String channel, Listener listener);

    void unsubscribe(String channel, Listener listener);

    @Override
    void close();
}
