package io.sserouter.config;

import io.sserouter.contract.RedisKeys;

import java.net.URI;
import java.time.Duration;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClient;

/** Where Redis is and how its keys are named. */
public record RedisSettings(URI url, RedisKeys keys) {
    private static final int TIMEOUT_MS = 2_000;

    public static RedisSettings fromEnv(Env env) {
        URI url = env.uri("REDIS_URL", "redis://localhost:6379", "redis", "rediss");
        String prefix = env.matching("SSE_REDIS_PREFIX", RedisKeys.DEFAULT_PREFIX,
                p -> p.matches("[A-Za-z0-9_.:-]{0,64}"), "up to 64 characters of [A-Za-z0-9_.:-]");
        return new RedisSettings(url, new RedisKeys(prefix));
    }

    public HostAndPort hostAndPort() {
        return new HostAndPort(url.getHost(), url.getPort() > 0 ? url.getPort() : 6379);
    }

    /** Client settings from the URL (user, password, database, TLS) with short timeouts and a name for CLIENT LIST. */
    public DefaultJedisClientConfig.Builder clientConfig(String clientName, int socketTimeoutMillis) {
        return DefaultJedisClientConfig.builder(url).connectionTimeoutMillis(TIMEOUT_MS).socketTimeoutMillis(socketTimeoutMillis)
                .clientName(clientName);
    }

    /** A pooled client; a borrower waits at most 2 s for a connection, then fails like an unreachable Redis. */
    public RedisClient pooledClient(String clientName, int poolSize) {
        GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
        pool.setMaxTotal(poolSize);
        pool.setMaxIdle(poolSize);
        pool.setMaxWait(Duration.ofMillis(TIMEOUT_MS));
        return RedisClient.builder()
                .hostAndPort(hostAndPort())
                .clientConfig(clientConfig(clientName, TIMEOUT_MS).build())
                .poolConfig(pool)
                .build();
    }
}
