package io.sserouter.config;

import java.time.Duration;

/**
 * How many replicas must hold a write before the topology counts it as done (Redis WAIT), so that a master lost
 * right after a write loses nothing: {@code replicas} null means as many as the master has (at least one is enough
 * to survive its loss, so: one when it has any, none when it has none), 0 turns the safeguard off.
 */
public record ReplicaAcks(Integer replicas, Duration timeout) {
    public static ReplicaAcks fromEnv(Env env) {
        String value = env.matching("SSE_REDIS_WAIT_REPLICAS", "auto",
                v -> v.equalsIgnoreCase("auto") || v.matches("\\d|1[0-6]"), "auto or a number of replicas from 0 to 16");
        Integer replicas = value.equalsIgnoreCase("auto") ? null : Integer.valueOf(value);
        Duration timeout = Duration.ofMillis(env.integer("SSE_REDIS_WAIT_TIMEOUT_MS", 1_000, 1, 60_000));
        return new ReplicaAcks(replicas, timeout);
    }

    public boolean auto() {
        return replicas == null;
    }

    /** How many replicas to wait for, given how many the master has now. */
    public int required(int connectedReplicas) {
        return auto() ? Math.min(1, connectedReplicas) : replicas;
    }
}
