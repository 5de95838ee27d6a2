package io.sserouter.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.LinkedHashSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisSentinelClient;

class RedisSentinelGroupTest {
    @Test
    void theSentinelsPromoteAReplicaWhenTheMasterIsKilled() {
        try (RedisSentinelGroup group = RedisSentinelGroup.start();
             RedisSentinelClient client = RedisSentinelClient.builder().masterName(RedisSentinelGroup.MASTER_NAME)
                     .sentinels(group.sentinels().stream().map(RedisProcess::address).collect(Collectors.toCollection(LinkedHashSet::new)))
                     .build()) {
            RedisProcess first = group.master();
            assertEquals(first.address(), client.getCurrentMaster());
            client.set("k", "v");
            client.waitReplicas("k", 2, 5_000);

            RedisProcess second = group.killMaster();
            assertNotEquals(first, second);
            assertEquals("v", retried(() -> client.get("k")), "the promoted replica has the key");
            assertEquals(second.address(), client.getCurrentMaster());
        }
    }

    /** The client learns of the new master from the sentinels' announcement, a moment after the promotion. */
    private static String retried(java.util.function.Supplier<String> read) {
        RuntimeException last = null;
        for (int i = 0; i < 100; i++) {
            try {
                return read.get();
            } catch (RuntimeException e) {
                last = e;
                try {
                    Thread.sleep(100);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        throw last;
    }
}
