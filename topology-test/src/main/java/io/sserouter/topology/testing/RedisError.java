package io.sserouter.topology.testing;

/** An error reply of {@link InMemoryRedis}, with the message Redis would send (e.g. {@code WRONGTYPE ...}). */
public final class RedisError extends RuntimeException {
    static final String WRONG_TYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";

    public RedisError(String message) {
        super(message, null, false, false);
    }
}
