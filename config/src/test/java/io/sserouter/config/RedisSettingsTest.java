package io.sserouter.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sserouter.contract.PubSub;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.HostAndPort;

class RedisSettingsTest {
    private static RedisUrl parse(String url) {
        return RedisUrl.parse(url);
    }

    @Test
    void oneNodeKeepsEverythingTheUrlSays() {
        RedisUrl url = parse("rediss://app:s3cret@redis.internal:6380/2?protocol=3");
        assertEquals(RedisUrl.Kind.NODE, url.kind());
        assertEquals(List.of(new HostAndPort("redis.internal", 6380)), url.nodes());
        assertEquals("rediss://app:s3cret@redis.internal:6380/2?protocol=3", url.nodeUri().toString());
        assertTrue(url.tls());
        assertNull(url.masterName());
    }

    @Test
    void aNodeWithoutPortGetsTheDefault() {
        assertEquals(List.of(new HostAndPort("localhost", 6379)), parse("redis://localhost").nodes());
    }

    @Test
    void severalSeedsAreACluster() {
        RedisUrl url = parse("redis://:pw@h1:7000,h2:7001,h3/");
        assertEquals(RedisUrl.Kind.CLUSTER, url.kind());
        assertEquals(List.of(new HostAndPort("h1", 7000), new HostAndPort("h2", 7001), new HostAndPort("h3", 6379)), url.nodes());
        assertEquals("redis://:pw@h1:7000", url.nodeUri().toString());
        assertFalse(url.tls());
    }

    @Test
    void sentinelNamesTheMasterAndMayChooseADatabase() {
        RedisUrl url = parse("rediss+sentinel://user:pw@s1:26380,s2,[::1]:26381/mymaster/3");
        assertEquals(RedisUrl.Kind.SENTINEL, url.kind());
        assertEquals("mymaster", url.masterName());
        assertEquals(List.of(new HostAndPort("s1", 26380), new HostAndPort("s2", 26379), new HostAndPort("::1", 26381)), url.nodes());
        assertEquals("rediss://user:pw@s1:26380/3", url.nodeUri().toString());
        assertTrue(url.tls());
    }

    @Test
    void badUrlsAreRefusedWithTheReason() {
        assertThrows(IllegalArgumentException.class, () -> parse("localhost:6379"));
        assertThrows(IllegalArgumentException.class, () -> parse("http://localhost:6379"));
        assertThrows(IllegalArgumentException.class, () -> parse("redis+sentinel://s1:26379"));
        assertThrows(IllegalArgumentException.class, () -> parse("redis+sentinel://s1:26379/"));
        assertThrows(IllegalArgumentException.class, () -> parse("redis://h1:7000,h2:7001/1"));
        assertThrows(IllegalArgumentException.class, () -> parse("redis://h1:7000,,h2:7001"));
        assertThrows(IllegalArgumentException.class, () -> parse("redis://h1:99999"));
        assertThrows(IllegalArgumentException.class, () -> parse("redis://h1:port"));
        assertThrows(IllegalArgumentException.class, () -> parse("redis://h1/db"));
        assertThrows(IllegalArgumentException.class, () -> parse("redis://h1/0/1"));
    }

    @Test
    void aBadRedisUrlStopsTheStartNamingTheVariableWithoutThePassword() {
        Env env = new Env(Map.of("REDIS_URL", "redis://:topsecret@h1:7000,h2:7001/4"));
        RedisSettings.fromEnv(env);
        ConfigException e = assertThrows(ConfigException.class, env::check);
        assertTrue(e.getMessage().contains("REDIS_URL"), e.getMessage());
        assertFalse(e.getMessage().contains("topsecret"), e.getMessage());
    }

    @Test
    void theDefaultIsALocalNode() {
        Env env = new Env(Map.of());
        RedisSettings settings = RedisSettings.fromEnv(env);
        env.check();
        assertEquals("redis://localhost:6379", settings.url().toString());
        assertEquals(new HostAndPort("localhost", 6379), settings.hostAndPort());
    }

    @Test
    void subscribersTryTheSeedsOfAClusterInTurn() {
        RedisSettings settings = RedisSettings.fromEnv(new Env(Map.of("REDIS_URL", "redis://h1:7000,h2:7001")));
        assertEquals(new HostAndPort("h1", 7000), settings.subscriberNode(0));
        assertEquals(new HostAndPort("h2", 7001), settings.subscriberNode(1));
        assertEquals(new HostAndPort("h1", 7000), settings.subscriberNode(2));
    }

    @Test
    void writesWaitForAReplicaWhenTheMasterHasOneUnlessToldOtherwise() {
        ReplicaAcks auto = RedisSettings.fromEnv(new Env(Map.of())).acks();
        assertTrue(auto.auto());
        assertEquals(0, auto.required(0), "a master without replicas: nothing to wait for");
        assertEquals(1, auto.required(2), "one replica is enough to survive the master's loss");
        assertEquals(java.time.Duration.ofSeconds(1), auto.timeout());

        Env env = new Env(Map.of("SSE_REDIS_WAIT_REPLICAS", "2", "SSE_REDIS_WAIT_TIMEOUT_MS", "250"));
        ReplicaAcks two = RedisSettings.fromEnv(env).acks();
        env.check();
        assertEquals(2, two.required(0));
        assertEquals(java.time.Duration.ofMillis(250), two.timeout());
        assertEquals(0, RedisSettings.fromEnv(new Env(Map.of("SSE_REDIS_WAIT_REPLICAS", "0"))).acks().required(3), "off");

        Env bad = new Env(Map.of("SSE_REDIS_WAIT_REPLICAS", "some"));
        RedisSettings.fromEnv(bad);
        ConfigException e = assertThrows(ConfigException.class, bad::check);
        assertTrue(e.getMessage().contains("SSE_REDIS_WAIT_REPLICAS"), e.getMessage());
    }

    @Test
    void pubSubIsChosenByTheDeploymentUnlessSet() {
        RedisSettings unreachable = RedisSettings.fromEnv(new Env(Map.of("REDIS_URL", "redis://127.0.0.1:1")));
        assertEquals(PubSub.GLOBAL, unreachable.pubSub(), "a single node (one that cannot be asked is taken as one): global");
        RedisSettings cluster = RedisSettings.fromEnv(new Env(Map.of("REDIS_URL", "redis://127.0.0.1:1,127.0.0.1:2")));
        assertEquals(PubSub.SHARDED, cluster.pubSub(), "several seeds are a cluster, taken to run Redis 7 while none answers");
        RedisSettings pinned = RedisSettings.fromEnv(new Env(Map.of("REDIS_URL", "redis://127.0.0.1:1,127.0.0.1:2", "SSE_REDIS_PUBSUB", "global")));
        assertEquals(PubSub.GLOBAL, pinned.pubSub(), "as set");

        Env bad = new Env(Map.of("SSE_REDIS_PUBSUB", "shard"));
        RedisSettings.fromEnv(bad);
        ConfigException e = assertThrows(ConfigException.class, bad::check);
        assertTrue(e.getMessage().contains("SSE_REDIS_PUBSUB"), e.getMessage());
    }
}
