package io.sserouter.edge.redis;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import io.sserouter.config.RedisSettings;
import io.sserouter.edge.redis.EventStore.Listener;
import io.sserouter.edge.sse.Published;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.BinaryJedisPubSub;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Global pub/sub (SUBSCRIBE): one Redis connection per edge instance, shared by every stream; a channel is subscribed
 * when its first local listener arrives and unsubscribed after its last one leaves. When the connection drops it reconnects with
 * backoff, subscribes everything again and tells every listener to resync (pub/sub is at-most-once: whatever was
 * published meanwhile must be read back from the replay log).
 */
public final class GlobalFanout implements Fanout {
    private static final Logger LOG = LoggerFactory.getLogger(GlobalFanout.class);

    private final RedisSettings redis;
    /** Subscribed first on every connection: its confirmation says the connection is up. */
    private final String probe;
    private final Map<String, Set<Listener>> listeners = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Void>> confirmed = new ConcurrentHashMap<>();
    private final Object lock = new Object();
    private final Thread thread;
    private volatile BinaryJedisPubSub current;
    /** Channels whose SUBSCRIBE went out on the current connection (guarded by lock). */
    private Set<String> sent = new java.util.HashSet<>();
    private volatile boolean up;
    private volatile boolean closed;

    public GlobalFanout(RedisSettings redis) {
        this.redis = redis;
        this.probe = redis.keys().edgeSubscriberProbe();
        thread = new Thread(this::run, "redis-fanout");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public boolean up() {
        return up;
    }

    @Override
    public CompletableFuture<Void> register(String channel, Listener listener) {
        synchronized (lock) {
            listeners.computeIfAbsent(channel, c -> new CopyOnWriteArraySet<>()).add(listener);
            CompletableFuture<Void> confirmation = confirmed.get(channel);
            if (confirmation == null) {
                // in the map before SUBSCRIBE goes out: the confirmation may arrive at once, on the subscriber thread
                confirmation = new CompletableFuture<>();
                confirmed.put(channel, confirmation);
                BinaryJedisPubSub pubSub = current;
                if (pubSub != null && up) {
                    send(pubSub, channel);
                }
            }
            return confirmation;
        }
    }

    @Override
    public void unsubscribe(String channel, Listener listener) {
        synchronized (lock) {
            Set<Listener> set = listeners.get(channel);
            if (set == null || !set.remove(listener) || !set.isEmpty()) {
                return;
            }
            listeners.remove(channel);
            confirmed.remove(channel);
            sent.remove(channel);
            BinaryJedisPubSub pubSub = current;
            if (pubSub != null && up) {
                try {
                    pubSub.unsubscribe(SubscriberConnection.bytes(channel));
                } catch (JedisException e) {
                    LOG.debug("unsubscribe of {} failed; the reconnect drops it: {}", channel, e.getMessage());
                }
            }
        }
    }

    private void run() {
        long backoff = 100;
        boolean wasUp = false;
        int attempt = 0;
        while (!closed) {
            // a cluster relays PUBLISH to every node and Sentinel names the current master: each try may go elsewhere
            HostAndPort node = redis.subscriberNode(attempt++);
            // no read timeout: a quiet subscriber connection is normal
            try (SubscriberConnection connection = new SubscriberConnection(requireNode(node),
                    redis.clientConfig("sse-router-edge-fanout", 0).serverDefaultProtocol().build())) {
                boolean resync = wasUp;
                BinaryJedisPubSub pubSub = new Subscriber(connection, resync);
                String[] channels;
                synchronized (lock) {
                    current = pubSub;
                    channels = listeners.keySet().toArray(String[]::new);
                    sent = new java.util.HashSet<>(List.of(channels));
                }
                byte[][] all = new byte[channels.length + 1][];
                all[0] = SubscriberConnection.bytes(probe);
                for (int i = 0; i < channels.length; i++) {
                    all[i + 1] = SubscriberConnection.bytes(channels[i]);
                }
                backoff = 100;
                connection.jedis().subscribe(pubSub, all); // blocks until the connection ends
            } catch (RuntimeException e) {
                if (!closed) {
                    LOG.warn("Redis subscriber connection lost ({}); reconnecting in {} ms", e.toString(), backoff);
                }
            }
            wasUp = wasUp || up;
            up = false;
            if (!closed) {
                sleep(backoff);
                backoff = Math.min(backoff * 2, 2_000);
            }
        }
    }

    /** Messages come as the bytes Redis sent, parsed and framed from them: only the channel's name becomes a String. */
    private final class Subscriber extends BinaryJedisPubSub {
        private final SubscriberConnection connection;
        private final boolean resync;

        Subscriber(SubscriberConnection connection, boolean resync) {
            this.connection = connection;
            this.resync = resync;
        }

        @Override
        public void onSubscribe(byte[] name, int count) {
            String channel = SubscriberConnection.channel(name);
            if (probe.equals(channel)) {
                up = true;
                subscribeMissing(this);
                if (resync) {
                    LOG.info("Redis subscriber reconnected; {} channels resubscribed, streams resync from the log", listeners.size());
                    listeners.values().forEach(set -> set.forEach(Listener::onResync));
                }
                return;
            }
            CompletableFuture<Void> future = confirmed.get(channel);
            if (future != null) {
                future.complete(null);
            }
        }

        @Override
        public void onMessage(byte[] channel, byte[] message) {
            Set<Listener> set = listeners.get(SubscriberConnection.channel(channel));
            if (set != null && !set.isEmpty()) {
                Published published = Published.parse(message); // once per message, not once per client
                connection.dispatch(published, set);
            }
        }
    }

    /** Channels added while the connection was being set up. */
    private void subscribeMissing(BinaryJedisPubSub pubSub) {
        synchronized (lock) {
            for (String channel : confirmed.keySet()) {
                if (!sent.contains(channel)) {
                    send(pubSub, channel);
                }
            }
        }
    }

    /** Called with the lock held: it also serialises writes on the subscriber connection. */
    private void send(BinaryJedisPubSub pubSub, String channel) {
        try {
            pubSub.subscribe(SubscriberConnection.bytes(channel));
            sent.add(channel);
        } catch (RuntimeException e) {
            LOG.warn("subscribe of {} deferred to the reconnect: {}", channel, e.toString());
        }
    }

    private static HostAndPort requireNode(HostAndPort node) {
        if (node == null) {
            throw new JedisException("no sentinel names the master");
        }
        return node;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        BinaryJedisPubSub pubSub = current;
        if (pubSub != null) {
            try {
                pubSub.unsubscribe();
            } catch (JedisException ignored) {
                // already gone
            }
        }
    }
}
