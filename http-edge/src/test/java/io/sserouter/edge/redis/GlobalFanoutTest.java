package io.sserouter.edge.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sserouter.config.Env;
import io.sserouter.config.RedisSettings;
import io.sserouter.edge.FakeTopology;
import io.sserouter.edge.redis.EventStore.Listener;
import io.sserouter.edge.sse.Published;
import io.sserouter.testkit.Await;
import io.sserouter.testkit.Infra;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * The shared subscriber on a real Redis tells its listeners whether they may relay a message on its thread: only while
 * no other message waits on its connection, and only for the first streams of a channel.
 */
class GlobalFanoutTest {
    private static final int MESSAGES = 500;

    @Test
    void aSubscriberWithMessagesWaitingSaysSoAndIsCaughtUpOnceItHasReadThemAll() throws Exception {
        RedisSettings settings = RedisSettings.fromEnv(new Env(Map.of("REDIS_URL", Infra.redis().url(), "SSE_REDIS_PREFIX", "gf:")));
        String channel = settings.keys().execChannel("burst");
        CountDownLatch published = new CountDownLatch(1);
        List<Long> seqs = new CopyOnWriteArrayList<>();
        List<Boolean> mayRelayHere = new CopyOnWriteArrayList<>();
        try (GlobalFanout fanout = new GlobalFanout(settings); Jedis publisher = new Jedis(URI.create(Infra.redis().url()))) {
            Await.until("the subscriber is up", fanout::up);
            fanout.subscribe(channel, new Listener() {
                @Override
                public void onMessage(Published message, boolean relayHere) {
                    seqs.add(message.seq());
                    mayRelayHere.add(relayHere);
                    if (seqs.size() == 1) {
                        try {
                            published.await(10, TimeUnit.SECONDS); // the subscriber is busy while a burst arrives
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                }

                @Override
                public void onResync() {
                }
            });
            for (long seq = 1; seq <= MESSAGES; seq++) {
                publisher.publish(channel, FakeTopology.envelope("burst", seq, "pod_running"));
            }
            published.countDown();
            Await.until("every message is heard", () -> seqs.size() == MESSAGES);
        }
        assertEquals(MESSAGES, seqs.get(MESSAGES - 1), "heard in order");
        assertFalse(mayRelayHere.get(1), "right after the burst, more messages wait: the pool relays them");
        assertTrue(mayRelayHere.get(MESSAGES - 1), "the last message of the burst has none behind it: relayed on the subscriber's thread");
    }

    @Test
    void aMessageForManyStreamsIsRelayedHereForTheFirstOnesOnly() throws Exception {
        RedisSettings settings = RedisSettings.fromEnv(new Env(Map.of("REDIS_URL", Infra.redis().url(), "SSE_REDIS_PREFIX", "gf2:")));
        String channel = settings.keys().broadcast();
        int streams = SubscriberConnection.RELAYED_HERE + 36;
        List<Boolean> mayRelayHere = new CopyOnWriteArrayList<>();
        try (GlobalFanout fanout = new GlobalFanout(settings); Jedis publisher = new Jedis(URI.create(Infra.redis().url()))) {
            Await.until("the subscriber is up", fanout::up);
            for (int i = 0; i < streams; i++) {
                fanout.subscribe(channel, new Listener() {
                    @Override
                    public void onMessage(Published message, boolean relayHere) {
                        mayRelayHere.add(relayHere);
                    }

                    @Override
                    public void onResync() {
                    }
                });
            }
            publisher.publish(channel, FakeTopology.envelope("b", 1, "pod_running"));
            Await.until("every stream hears it", () -> mayRelayHere.size() == streams);
        }
        assertEquals(SubscriberConnection.RELAYED_HERE, mayRelayHere.stream().filter(here -> here).count(),
                "streams that may relay it on the subscriber's thread");
        assertFalse(mayRelayHere.get(streams - 1), "the last streams are left to the pool");
    }
}
