package io.sserouter.edge.redis;

import io.sserouter.config.RedisSettings;
import io.sserouter.edge.redis.EventStore.Listener;
import io.sserouter.edge.sse.Published;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.BinaryJedisShardedPubSub;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Sharded pub/sub (SSUBSCRIBE) on a Redis Cluster: a message reaches only the shard that owns its channel's slot, so
 * the edge holds one subscriber connection per master and subscribes each channel on the master of its slot.
 *
 * <p>The map of slots to masters is read again whenever a shard connection drops or a master drops a channel on its
 * own (it does so when the channel's slot moves away, and a killed master's replica takes its slots over). Every
 * channel whose master changed, or whose connection was lost, is subscribed on its master anew, and once that is
 * confirmed its listeners resync from the replay log, which holds whatever was published meanwhile.
 */
public final class ShardedFanout implements Fanout {
    private static final Logger LOG = LoggerFactory.getLogger(ShardedFanout.class);
    private static final long MAX_BACKOFF_MS = 2_000;
    /** How often the slot map is read even when nothing said it changed: a slot can lose its master silently. */
    private static final long CHECK_EVERY_MS = 5_000;

    private final RedisSettings redis;
    private final String probeBase;
    private final Map<String, Channel> channels = new ConcurrentHashMap<>();
    /** Guards the shards, the slot map and each channel's shard and confirmation; serialises writes to connections. */
    private final Object lock = new Object();
    private final Map<HostAndPort, Shard> shards = new HashMap<>();
    private final ScheduledExecutorService maintenance = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "redis-fanout-slots");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicBoolean refreshPending = new AtomicBoolean();
    private volatile SlotMap slots;
    private volatile boolean closed;

    /** One channel with local listeners, and where it is subscribed. */
    private static final class Channel {
        final String name;
        final Set<Listener> listeners = new CopyOnWriteArraySet<>();
        /** Completed once the channel's master confirmed it; replaced whenever the subscription is lost. */
        CompletableFuture<Void> confirmed = new CompletableFuture<>();
        /** The shard it is subscribed on, or about to be; null while its master is unknown. */
        Shard shard;
        /** Set when a subscription that was confirmed is lost: its listeners must resync once it is back. */
        boolean resync;

        Channel(String name) {
            this.name = name;
        }
    }

    public ShardedFanout(RedisSettings redis) {
        this.redis = redis;
        this.probeBase = redis.keys().edgeSubscriberProbe();
        requestRefresh(0);
        maintenance.scheduleWithFixedDelay(() -> requestRefresh(0), CHECK_EVERY_MS, CHECK_EVERY_MS, TimeUnit.MILLISECONDS);
    }

    @Override
    public boolean up() {
        SlotMap map = slots;
        if (map == null || map.uncovered() > 0) {
            return false;
        }
        synchronized (lock) {
            return !shards.isEmpty() && shards.values().stream().allMatch(s -> s.up);
        }
    }

    @Override
    public CompletableFuture<Void> register(String name, Listener listener) {
        synchronized (lock) {
            Channel channel = channels.computeIfAbsent(name, Channel::new);
            channel.listeners.add(listener);
            if (channel.shard == null) {
                place(channel);
            }
            return channel.confirmed;
        }
    }

    @Override
    public void unsubscribe(String name, Listener listener) {
        synchronized (lock) {
            Channel channel = channels.get(name);
            if (channel == null || !channel.listeners.remove(listener) || !channel.listeners.isEmpty()) {
                return;
            }
            channels.remove(name);
            if (channel.shard != null) {
                channel.shard.send(s -> s.unsubscribe(name));
            }
        }
    }

    /** Subscribes the channel on the master of its slot, if that master is known (called with the lock held). */
    private void place(Channel channel) {
        SlotMap map = slots;
        HostAndPort owner = map == null ? null : map.ownerOf(channel.name);
        if (owner == null) {
            requestRefresh(0);
            return;
        }
        Shard shard = shards.computeIfAbsent(owner, Shard::new);
        channel.shard = shard;
        if (shard.up) {
            shard.send(s -> s.subscribe(channel.name));
        } // else: the shard subscribes all of its channels once its connection is up
    }

    /** The subscription of a channel is gone: new listeners wait for the next one, present ones will resync. */
    private static void lost(Channel channel) {
        if (channel.confirmed.isDone()) {
            channel.confirmed = new CompletableFuture<>();
            channel.resync = true;
        }
    }

    /** Reads the slot map again soon (once, however many ask meanwhile) and moves every channel to its master. */
    private void requestRefresh(long delayMs) {
        if (!closed && refreshPending.compareAndSet(false, true)) {
            maintenance.schedule(this::refresh, delayMs, TimeUnit.MILLISECONDS);
        }
    }

    private void refresh() {
        refreshPending.set(false);
        SlotMap map = readSlots();
        if (map == null) {
            LOG.warn("no node of the Redis Cluster told its slots; asking again shortly");
            requestRefresh(500);
            return;
        }
        if (map.uncovered() > 0) {
            LOG.warn("the Redis Cluster serves only {} of its {} slots: streams on the others wait (not ready)",
                    SlotMap.SLOTS - map.uncovered(), SlotMap.SLOTS);
        }
        synchronized (lock) {
            slots = map;
            shards.values().removeIf(shard -> {
                if (map.masters().contains(shard.node)) {
                    return false;
                }
                shard.retire();
                return true;
            });
            for (HostAndPort master : map.masters()) {
                shards.computeIfAbsent(master, Shard::new); // every master at once: readiness covers them all
            }
            for (Channel channel : channels.values()) {
                HostAndPort owner = map.ownerOf(channel.name);
                if (channel.shard != null && channel.shard.node.equals(owner)) {
                    continue;
                }
                if (channel.shard != null) {
                    String name = channel.name;
                    channel.shard.send(s -> s.unsubscribe(name));
                    lost(channel);
                    channel.shard = null;
                }
                place(channel);
            }
        }
    }

    private SlotMap readSlots() {
        SlotMap known = slots;
        List<HostAndPort> nodes = known == null ? redis.address().nodes() : known.askFirst(redis.address().nodes());
        for (HostAndPort node : nodes) {
            try (Jedis jedis = new Jedis(node, redis.clientConfig("sse-router-edge-slots", 2_000).serverDefaultProtocol().build())) {
                return SlotMap.read(jedis, redis.address().tls());
            } catch (JedisException e) {
                LOG.debug("Redis node {} did not tell the slot map: {}", node, e.getMessage());
            }
        }
        return null;
    }

    /** One master's subscriber connection, on a thread of its own, reconnecting with backoff until retired. */
    private final class Shard {
        final HostAndPort node;
        private volatile Subscriber current;
        private volatile boolean up;
        private volatile boolean retired;

        Shard(HostAndPort node) {
            this.node = node;
            Thread thread = new Thread(this::run, "redis-fanout-" + node.getPort());
            thread.setDaemon(true);
            thread.start();
        }

        /** Runs a command on the live connection; a failure is repaired by the reconnect that follows it. */
        void send(java.util.function.Consumer<Subscriber> command) {
            Subscriber subscriber = current;
            if (subscriber != null && up) {
                try {
                    command.accept(subscriber);
                } catch (RuntimeException e) {
                    LOG.debug("a command to Redis {} failed; its reconnect repairs it: {}", node, e.toString());
                }
            }
        }

        void retire() {
            retired = true;
            send(s -> s.sunsubscribe());
        }

        private void run() {
            long backoff = 100;
            while (!closed && !retired) {
                SlotMap map = slots;
                String probe = map == null ? null : map.channelOn(node, probeBase);
                if (probe == null) {
                    requestRefresh(0);
                } else {
                    try (SubscriberConnection connection = new SubscriberConnection(node,
                            redis.clientConfig("sse-router-edge-fanout", 0).serverDefaultProtocol().build())) {
                        Subscriber subscriber = new Subscriber(this, connection, probe);
                        current = subscriber;
                        backoff = 100;
                        // blocks until the connection ends
                        subscriber.proceed(connection.jedis().getConnection(), SubscriberConnection.bytes(probe));
                    } catch (RuntimeException e) {
                        if (!closed && !retired) {
                            LOG.warn("Redis subscriber connection to {} lost ({}); reconnecting in {} ms", node, e.toString(), backoff);
                        }
                    }
                }
                disconnected();
                if (!closed && !retired) {
                    sleep(backoff);
                    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
                }
            }
        }

        /** Its channels are lost; the slot map may have changed too (a failover), so it is read again. */
        private void disconnected() {
            synchronized (lock) {
                up = false;
                current = null;
                for (Channel channel : channels.values()) {
                    if (channel.shard == this) {
                        lost(channel);
                        if (retired) {
                            channel.shard = null;
                        } // else resubscribed here on reconnect, unless the refresh moves it
                    }
                }
            }
            requestRefresh(0);
        }

        /** The probe is confirmed: the connection is up; every channel placed here is subscribed now. */
        private void connected(Subscriber subscriber) {
            synchronized (lock) {
                if (subscriber != current) {
                    return;
                }
                up = true;
                for (Channel channel : channels.values()) {
                    if (channel.shard == this) {
                        send(s -> s.subscribe(channel.name));
                    }
                }
            }
        }

        private void confirmed(String name) {
            Channel channel = channels.get(name);
            boolean resync;
            synchronized (lock) {
                if (channel == null || channel.shard != this) {
                    return;
                }
                channel.confirmed.complete(null);
                resync = channel.resync;
                channel.resync = false;
            }
            if (resync) {
                channel.listeners.forEach(Listener::onResync);
            }
        }

        /** The master dropped a channel it was not asked to drop: its slot moved away. */
        private void dropped(String name) {
            synchronized (lock) {
                Channel channel = channels.get(name);
                if (channel == null || channel.shard != this) {
                    return; // unsubscribed on purpose, or moved already
                }
                lost(channel);
                channel.shard = null; // placed on its new master by the refresh
            }
            LOG.info("Redis {} dropped the subscription to {} (its slot moved); following it", node, name);
            requestRefresh(0);
        }
    }

    /** Messages come as the bytes Redis sent, parsed and framed from them: only the channel's name becomes a String. */
    private final class Subscriber extends BinaryJedisShardedPubSub {
        private final Shard shard;
        private final SubscriberConnection connection;
        private final String probe;

        Subscriber(Shard shard, SubscriberConnection connection, String probe) {
            this.shard = shard;
            this.connection = connection;
            this.probe = probe;
        }

        void subscribe(String channel) {
            ssubscribe(SubscriberConnection.bytes(channel));
        }

        void unsubscribe(String channel) {
            sunsubscribe(SubscriberConnection.bytes(channel));
        }

        @Override
        public void onSSubscribe(byte[] name, int count) {
            String channel = SubscriberConnection.channel(name);
            if (probe.equals(channel)) {
                shard.connected(this);
            } else {
                shard.confirmed(channel);
            }
        }

        @Override
        public void onSUnsubscribe(byte[] name, int count) {
            String channel = SubscriberConnection.channel(name);
            if (probe.equals(channel)) {
                if (!closed && !shard.retired) {
                    // the probe's slot moved: end this connection; the next one takes a probe this master still serves
                    sunsubscribe();
                }
                return;
            }
            shard.dropped(channel);
        }

        @Override
        public void onSMessage(byte[] channel, byte[] message) {
            Channel target = channels.get(SubscriberConnection.channel(channel));
            if (target != null && !target.listeners.isEmpty()) {
                Published published = Published.parse(message); // once per message, not once per client
                connection.dispatch(published, target.listeners);
            }
        }
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
        maintenance.shutdownNow();
        synchronized (lock) {
            shards.values().forEach(Shard::retire);
            shards.clear();
        }
    }
}
