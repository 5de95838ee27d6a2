package io.sserouter.system.bench;

import io.sserouter.config.Env;
import io.sserouter.config.RedisSettings;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import redis.clients.jedis.Connection;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisShardedPubSub;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * Hears sharded pub/sub (SPUBLISH) on a Redis Cluster: a message stays on the shard that owns its channel's slot and
 * no pattern subscription sees it, so the channels must be known in advance. One connection per master, each channel
 * SSUBSCRIBEd on the master of its slot (one command per slot: SSUBSCRIBE refuses channels of different slots).
 */
final class ShardedListener implements PublishMeter.Listener {
    private final String seeds;
    private final Collection<String> channels;
    private final List<JedisShardedPubSub> subscribers = new ArrayList<>();
    private final List<Jedis> connections = new ArrayList<>();

    /** {@code seeds}: the cluster's REDIS_URL; {@code channels}: every channel the pipeline will publish on. */
    ShardedListener(String seeds, Collection<String> channels) {
        this.seeds = seeds;
        this.channels = channels;
    }

    @Override
    public void listen(Consumer<String> onMessage) throws Exception {
        Map<HostAndPort, Map<Integer, List<String>>> byMaster = new LinkedHashMap<>();
        // the deployables' own client for this REDIS_URL, to learn which master serves a slot
        try (RedisClusterClient cluster = (RedisClusterClient) RedisSettings.fromEnv(new Env(Map.of("REDIS_URL", seeds)))
                .pooledClient("sse-bench-slots", 2)) {
            Map<Integer, HostAndPort> masterOfSlot = new TreeMap<>();
            for (String channel : channels) {
                int slot = JedisClusterCRC16.getSlot(channel);
                HostAndPort master = masterOfSlot.computeIfAbsent(slot, s -> {
                    try (Connection c = cluster.getConnectionFromSlot(s)) {
                        return c.getHostAndPort();
                    }
                });
                byMaster.computeIfAbsent(master, m -> new TreeMap<>()).computeIfAbsent(slot, s -> new ArrayList<>()).add(channel);
            }
        }
        CountDownLatch confirmed = new CountDownLatch(channels.size());
        for (Map.Entry<HostAndPort, Map<Integer, List<String>>> master : byMaster.entrySet()) {
            CountDownLatch first = new CountDownLatch(1);
            JedisShardedPubSub sub = new JedisShardedPubSub() {
                @Override
                public void onSSubscribe(String channel, int count) {
                    first.countDown();
                    confirmed.countDown();
                }

                @Override
                public void onSMessage(String channel, String message) {
                    onMessage.accept(message);
                }
            };
            Jedis jedis = new Jedis(master.getKey());
            subscribers.add(sub);
            connections.add(jedis);
            List<List<String>> bySlot = new ArrayList<>(master.getValue().values());
            Thread thread = new Thread(() -> {
                try {
                    sub.proceed(jedis.getConnection(), bySlot.get(0).toArray(String[]::new)); // until unsubscribed
                } catch (RuntimeException ignored) {
                    // closed
                }
            }, "bench-subscriber-" + master.getKey());
            thread.setDaemon(true);
            thread.start();
            if (!first.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("no sharded subscription on " + master.getKey() + " after 10 s");
            }
            // the connection's reader runs in its thread; this thread alone writes to it from now on
            for (List<String> slotChannels : bySlot.subList(1, bySlot.size())) {
                sub.ssubscribe(slotChannels.toArray(String[]::new));
            }
        }
        if (!confirmed.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException(confirmed.getCount() + " of " + channels.size() + " sharded subscriptions unconfirmed after 60 s");
        }
        System.out.printf("   listening to %d channels with SSUBSCRIBE on %d masters%n", channels.size(), byMaster.size());
    }

    @Override
    public void close() {
        for (JedisShardedPubSub sub : subscribers) {
            if (sub.isSubscribed()) {
                sub.sunsubscribe();
            }
        }
        connections.forEach(Jedis::close);
    }
}
