package io.sserouter.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClusterClient;

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
                assertEquals("v0", client.get("k0"), "the replica that took over has the key");
                assertTrue(cluster.url().split(",").length == 5, "the dead node is no longer a seed");

                RedisProcess replica = cluster.nodes().stream().filter(RedisProcess::alive)
                        .filter(n -> !cluster.masters().contains(n)).findFirst().orElseThrow();
                cluster.failover(replica);
                assertTrue(cluster.masters().contains(replica));
                for (int i = 0; i < 30; i++) {
                    assertEquals("v" + i, client.get("k" + i));
                }
            }
        }
    }
}
