package io.sserouter.config;

import java.net.URI;

/** Where Redis is and how its keys are named. */
public record RedisSettings(URI url, RedisKeys keys) {
    public static RedisSettings fromEnv(Env env) {
        URI url = env.uri("REDIS_URL", "redis://localhost:6379", "redis", "rediss");
        String prefix = env.matching("SSE_REDIS_PREFIX", RedisKeys.DEFAULT_PREFIX,
                p -> p.matches("[A-Za-z0-9_.:-]{0,64}"), "up to 64 characters of [A-Za-z0-9_.:-]");
        return new RedisSettings(url, new RedisKeys(prefix));
    }
}
