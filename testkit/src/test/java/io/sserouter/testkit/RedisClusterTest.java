package io.sserouter.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.exceptions.JedisClusterException;

class RedisClusterTest {
    @Test
    void threeMastersServeEverySlotAndAReplicaTakesOverAKilledMaster() {
        try (RedisCluster cluster = RedisCluster.start()) {
            assertEquals(3, cluster.masters().size());
            try (RedisClusterClient client = RedisClusterClient.create(cluster.seeds())) {
                Set<RedisProcess> owners = new HashSet<>();
                for (int i = 0; i < 30; i++) {
                    client.set("k" + i, "v" + i);
                    owners.add(cluster.masterOf("k" + i));
                }
                assertEquals(3, owners.size(), "30 keys land on every master");

                client.waitReplicas("k0", 1, 5_000); // replication is asynchronous: the key must have reached the replica
                RedisProcess victim = cluster.masterOf("k0");
                cluster.killMaster(victim);
                assertNotEquals(victim, cluster.masterOf("k0"));
                assertEquals("v0", get(client, "k0"), "the replica that took over has the key");
                assertTrue(cluster.url().split(",").length == 5, "the dead node is no longer a seed");

                RedisProcess replica = cluster.nodes().stream().filter(RedisProcess::alive)
                        .filter(n -> !cluster.masters().contains(n)).findFirst().orElseThrow();
                cluster.failover(replica);
                assertTrue(cluster.masters().contains(replica));
                for (int i = 0; i < 30; i++) {
                    assertEquals("v" + i, get(client, "k" + i));
                }
            }
        }
    }

    @Test
    void aSlotMovesToAnotherMasterWithItsKeysWhileAClientWritesToIt() throws Exception {
        try (RedisCluster cluster = RedisCluster.start();
             RedisClusterClient client = RedisClusterClient.create(cluster.seeds())) {
            int slot = RedisCluster.slotOf("{moving}");
            for (int i = 0; i < 45; i++) {
                client.rpush("{moving}:" + i, "before");
            }
            RedisProcess source = cluster.ownerOf(slot);
            RedisProcess target = cluster.masters().stream().filter(m -> m != source).findFirst().orElseThrow();

            // a writer appends to every key of the slot, and creates new ones, for as long as the move takes
            AtomicBoolean moving = new AtomicBoolean(true);
            AtomicInteger rounds = new AtomicInteger();
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                while (moving.get() || rounds.get() < 2) {
                    int round = rounds.getAndIncrement();
                    for (int i = 0; i < 45; i++) {
                        client.rpush("{moving}:" + i, "during-" + round);
                    }
                    client.set("{moving}:new-" + round, "created");
                }
            });
            cluster.migrateSlot(slot, target);
            moving.set(false);
            writer.get(60, TimeUnit.SECONDS);

            assertEquals(target, cluster.ownerOf(slot));
            int written = rounds.get();
            try (Jedis direct = new Jedis(target.address()); Jedis old = new Jedis(source.address())) {
                assertEquals(45L + written, direct.clusterCountKeysInSlot(slot), "every key of the slot is on the new master");
                assertEquals(0L, old.clusterCountKeysInSlot(slot), "none is left on the old one");
            }
            for (int i = 0; i < 45; i++) {
                List<String> expected = new ArrayList<>(List.of("before"));
                for (int round = 0; round < written; round++) {
                    expected.add("during-" + round);
                }
                assertEquals(expected, client.lrange("{moving}:" + i, 0, -1), "every write to {moving}:" + i + ", once, in order");
            }
            for (int round = 0; round < written; round++) {
                assertEquals("created", client.get("{moving}:new-" + round));
            }
        }
    }

    /**
     * Right after a change of masters a node can call the cluster down for a moment: one that missed pings while a
     * loaded machine stalled it counts itself in a minority and waits before it rejoins. The product retries that reply
     * (RedisFailures.passing), and so does this read; a wrong or missing value still fails the test.
     */
    private static String get(RedisClusterClient client, String key) {
        AtomicReference<String> value = new AtomicReference<>();
        Await.until("the cluster answers GET " + key, Duration.ofSeconds(20), () -> {
            try {
                value.set(client.get(key));
                return true;
            } catch (JedisClusterException e) {
                if (String.valueOf(e.getMessage()).startsWith("CLUSTERDOWN")) {
                    return false;
                }
                throw e;
            }
        });
        return value.get();
    }
}
