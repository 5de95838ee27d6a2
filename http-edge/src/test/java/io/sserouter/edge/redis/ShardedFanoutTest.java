package io.sserouter.edge.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sserouter.config.Env;
import io.sserouter.config.RedisSettings;
import io.sserouter.contract.PubSub;
import io.sserouter.edge.redis.EventStore.Listener;
import io.sserouter.edge.sse.Published;
import io.sserouter.testkit.RedisCluster;
import io.sserouter.testkit.Await;
import io.sserouter.testkit.FreePorts;
import io.sserouter.testkit.RedisProcess;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClusterClient;

/**
 * Sharded pub/sub on a real Redis Cluster (3 masters, 3 replicas): channels on every master are heard, and a
 * channel whose master changes (a slot migrated, a master killed, a manual failover) is followed to its new master,
 * with a resync for its listeners, so that what they missed can be read back.
 */
class ShardedFanoutTest {
    private static RedisCluster cluster;
    private static RedisClusterClient publisher;
    private static int run;

    /** What one listener heard: the messages, and how often it was told to resync. */
    private static final class Heard implements Listener {
        final List<String> messages = new CopyOnWriteArrayList<>();
        final AtomicInteger resyncs = new AtomicInteger();

        @Override
        public void onMessage(Published message, boolean mayRelayHere) {
            messages.add(message.json());
        }

        @Override
        public void onResync() {
            resyncs.incrementAndGet();
        }
    }

    @BeforeAll
    static void startCluster() {
        cluster = RedisCluster.start();
        publisher = RedisClusterClient.create(cluster.seeds());
    }

    @AfterAll
    static void stopCluster() {
        publisher.close();
        cluster.close();
    }

    private static RedisSettings settings() {
        return RedisSettings.fromEnv(new Env(Map.of("REDIS_URL", cluster.url(), "SSE_REDIS_PREFIX", "sf" + (run++) + ":")));
    }

    /** One channel per master, each with a listener subscribed and confirmed. */
    private static Map<String, Heard> channelOnEveryMaster(ShardedFanout fanout, String prefix) throws Exception {
        Map<String, Heard> heard = new LinkedHashMap<>();
        Set<Integer> masters = new HashSet<>();
        for (int i = 0; masters.size() < 3; i++) {
            String channel = prefix + "exec:{" + i + "}";
            if (masters.add(cluster.masterOf(channel).port())) {
                Heard listener = new Heard();
                fanout.subscribe(channel, listener);
                heard.put(channel, listener);
            }
        }
        return heard;
    }

    private static void publishToEach(Map<String, Heard> heard, String message) {
        heard.keySet().forEach(channel -> publisher.spublish(channel, message));
    }

    @Test
    void hearsChannelsOnEveryMasterAndFollowsAChannelWhoseMasterWasKilled() throws Exception {
        RedisSettings settings = settings();
        assertEquals(PubSub.SHARDED, settings.pubSub(), "auto chooses sharded pub/sub on a Redis 7 cluster");
        try (ShardedFanout fanout = new ShardedFanout(settings)) {
            Await.until("the fanout is up", fanout::up);
            Map<String, Heard> heard = channelOnEveryMaster(fanout, settings.keys().prefix());
            publishToEach(heard, "\"one\"");
            Await.until("each channel's message arrives", () -> heard.values().stream().allMatch(h -> h.messages.size() == 1));

            String doomed = heard.keySet().iterator().next();
            RedisProcess master = cluster.masterOf(doomed);
            cluster.killMaster(master);
            Await.until("the listener of the killed master's channel is told to resync", () -> heard.get(doomed).resyncs.get() == 1);
            Await.until("the fanout is up again", fanout::up);
            publishToEach(heard, "\"two\"");
            Await.until("every channel hears the next message, the moved one on its new master",
                    () -> heard.values().stream().allMatch(h -> h.messages.size() == 2));
            heard.forEach((channel, h) -> assertEquals(List.of("\"one\"", "\"two\""), h.messages, channel));
            heard.forEach((channel, h) -> assertEquals(channel.equals(doomed) ? 1 : 0, h.resyncs.get(), "resyncs of " + channel));

            master.restart(); // back as a replica of the master that replaced it
            cluster.awaitHealthy();
        }
    }

    @Test
    void followsAChannelThroughAManualFailover() throws Exception {
        RedisSettings settings = settings();
        try (ShardedFanout fanout = new ShardedFanout(settings)) {
            Await.until("the fanout is up", fanout::up);
            Map<String, Heard> heard = channelOnEveryMaster(fanout, settings.keys().prefix());
            String moved = heard.keySet().iterator().next();
            cluster.failover(cluster.replicaOf(cluster.masterOf(moved)));
            Await.until("the listener of the channel whose master stepped down is told to resync", () -> heard.get(moved).resyncs.get() >= 1);
            Await.until("the fanout is up again", fanout::up);
            publishToEach(heard, "\"after\"");
            Await.until("every channel hears the message sent after the failover",
                    () -> heard.values().stream().allMatch(h -> h.messages.contains("\"after\"")));
        }
    }

    @Test
    void followsAChannelWhoseSlotMovesToAnotherMaster() throws Exception {
        RedisSettings settings = settings();
        try (ShardedFanout fanout = new ShardedFanout(settings)) {
            Await.until("the fanout is up", fanout::up);
            Map<String, Heard> heard = channelOnEveryMaster(fanout, settings.keys().prefix());
            String moved = heard.keySet().iterator().next();
            RedisProcess from = cluster.masterOf(moved);
            RedisProcess to = cluster.masters().stream().filter(m -> m != from).findFirst().orElseThrow();
            cluster.migrateSlot(RedisCluster.slotOf(moved), to);
            Await.until("the listener of the moved channel is told to resync", () -> heard.get(moved).resyncs.get() == 1);
            publishToEach(heard, "\"after\"");
            Await.until("every channel hears the message sent after the move, the moved one from its new master",
                    () -> heard.values().stream().allMatch(h -> h.messages.contains("\"after\"")));
            heard.forEach((channel, h) -> assertEquals(channel.equals(moved) ? 1 : 0, h.resyncs.get(), "resyncs of " + channel));
        }
    }

    @Test
    void aClusterThatDoesNotServeEverySlotIsReportedAndTheFanoutIsNotReady() throws Exception {
        assertNull(settings().clusterProblem(), "the whole cluster");
        try (RedisProcess lone = RedisProcess.start(FreePorts.any(), List.of("--cluster-enabled", "yes",
                "--cluster-config-file", "nodes.conf", "--cluster-port", String.valueOf(FreePorts.any())))) {
            RedisSettings settings = RedisSettings.fromEnv(new Env(Map.of("REDIS_URL", lone.url())));
            String problem = settings.clusterProblem();
            assertTrue(problem != null && problem.contains("0 of its 16384 slots served"), problem);
            try (ShardedFanout fanout = new ShardedFanout(settings)) {
                Thread.sleep(1_000);
                assertFalse(fanout.up(), "not ready while slots have no master");
            }
        }
    }

    @Test
    void aChannelWithoutListenersIsDropped() throws Exception {
        RedisSettings settings = settings();
        try (ShardedFanout fanout = new ShardedFanout(settings)) {
            Await.until("the fanout is up", fanout::up);
            Map<String, Heard> heard = channelOnEveryMaster(fanout, settings.keys().prefix());
            String channel = heard.keySet().iterator().next();
            fanout.unsubscribe(channel, heard.get(channel));
            Await.until("its master has no subscriber of it any more", () -> publisher.spublish(channel, "\"x\"") == 0);
            List<Long> receivers = new ArrayList<>();
            for (String other : heard.keySet()) {
                if (!other.equals(channel)) {
                    receivers.add(publisher.spublish(other, "\"y\""));
                }
            }
            assertEquals(List.of(1L, 1L), receivers, "the other channels stay subscribed");
            assertTrue(heard.get(channel).messages.isEmpty(), "nothing reaches a listener that left");
        }
    }
}
