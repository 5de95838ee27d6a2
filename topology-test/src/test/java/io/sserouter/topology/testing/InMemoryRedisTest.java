package io.sserouter.topology.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the conformance test cannot show against a real Redis in a short run: expiry by the test's clock. */
class InMemoryRedisTest {
    private final InMemoryRedis redis = new InMemoryRedis(Instant.parse("2026-01-01T00:00:00Z"));

    @Test
    void keysExpireWhenTheClockReachesTheirTtl() {
        redis.call("SET", "k", "v", "PX", "1000");
        redis.call("XADD", "log", "MAXLEN", "2", "5-0", "event", "e");
        redis.call("PEXPIRE", "log", "2000");
        redis.advance(Duration.ofMillis(999));
        assertEquals("v", redis.get("k"));
        assertEquals(1L, redis.pttl("k"));
        redis.advance(Duration.ofMillis(1));
        assertEquals(null, redis.get("k"));
        assertEquals(-2L, redis.pttl("k"));
        assertEquals(List.of("log"), List.copyOf(redis.keys()));
        redis.advance(Duration.ofMillis(1000));
        assertEquals(List.of(), List.copyOf(redis.keys()));
        assertEquals("1-0", redis.call("XADD", "log", "1-0", "event", "e"), "an expired stream starts again from nothing");
    }

    @Test
    void aSetWithoutTtlClearsTheOldOne() {
        redis.call("SET", "k", "v", "PX", "1000");
        redis.call("SET", "k", "w");
        assertEquals(-1L, redis.pttl("k"));
    }

    @Test
    void aStreamRemembersItsTopIdAfterTrimming() {
        redis.call("XADD", "log", "MAXLEN", "1", "3-0", "event", "a");
        redis.call("XADD", "log", "MAXLEN", "1", "4-0", "event", "b");
        assertEquals(List.of("4-0"), redis.stream("log").stream().map(InMemoryRedis.StreamEntry::id).toList());
        RedisError error = assertThrows(RedisError.class, () -> redis.call("XADD", "log", "MAXLEN", "1", "3-0", "event", "c"));
        assertEquals("ERR The ID specified in XADD is equal or smaller than the target stream top item", error.getMessage());
    }

    @Test
    void aCommandItDoesNotModelIsAnErrorNotASilentNoOp() {
        RedisError error = assertThrows(RedisError.class, () -> redis.call("LPUSH", "list", "x"));
        assertEquals("ERR unknown command 'LPUSH' (not modelled by InMemoryRedis)", error.getMessage());
    }
}
