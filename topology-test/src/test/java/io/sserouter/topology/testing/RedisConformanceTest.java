package io.sserouter.topology.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sserouter.contract.RedisKeys;
import io.sserouter.contract.RedisScript;
import io.sserouter.testkit.Infra;
import io.sserouter.testkit.PubSubRecorder;
import io.sserouter.topology.EventSink.Outcome;
import io.sserouter.topology.RedisSink;
import io.sserouter.topology.SinkWrite;
import io.sserouter.topology.TopologySettings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * The in-memory Redis shares Redis's semantics: the same writes, through the production {@link RedisSink} into a
 * real Redis and through the {@link InMemorySink}, get the same replies and leave the same keys, values, expiries
 * and publishes. Both sinks date owners' index entries by the in-memory clock, so scores compare exactly.
 */
class RedisConformanceTest {
    private static final Duration TTL_TOLERANCE = Duration.ofSeconds(5);

    private final String prefix = "conformance-" + System.nanoTime() + ":";
    private final TopologySettings settings = TopologySettings.fromEnv(Map.of(
            "REDIS_URL", Infra.redis().url(), "SSE_REDIS_PREFIX", prefix, "SSE_BUFFER_MAX_EVENTS", "3"));
    private final RedisKeys keys = settings.redis().keys();
    private final InMemoryRedis fake = new InMemoryRedis(Instant.parse("2026-03-01T12:00:00Z"));
    private final InMemorySink memory = new InMemorySink(fake, settings);
    private final RedisSink real = new RedisSink(settings.redis(), settings, fake::nowMillis);
    private final Jedis jedis = new Jedis(settings.redis().url());
    private final PubSubRecorder published = new PubSubRecorder(settings.redis().url(), prefix + "*");

    @AfterEach
    void close() {
        real.close();
        published.close();
        jedis.close();
    }

    @Test
    void executionWritesReplyAlikeAndLeaveTheSameKeys() throws Exception {
        assertEquals(new Outcome(4, 0, 0), both(exec("e-1", 1, "ann"), exec("e-1", 2, "ann"), exec("e-1", 3, "ann"), exec("e-1", 4, "ann")),
                "the log keeps MAXLEN entries");
        assertEquals(new Outcome(0, 4, 0), both(exec("e-1", 1, "ann"), exec("e-1", 2, "ann"), exec("e-1", 3, "ann"), exec("e-1", 4, "ann")),
                "a repeated batch");
        assertEquals(new Outcome(0, 1, 0), both(exec("e-1", 2, "ann")), "an older seq, refused by the snapshot");
        assertEquals(new Outcome(1, 0, 0, 1), both(exec("e-1", 6, "ann"), exec("e-1", 5, "ann")),
                "out of order: the later seq is refused as behind (the log ends at 4), the next one written");

        script("return redis.call('DEL', KEYS[1])", keys.execStatus("e-1"));
        assertEquals(new Outcome(0, 1, 0), both(exec("e-1", 5, "ann")), "no snapshot: refused by the log's top id");
        assertEquals(new Outcome(1, 0, 0), both(exec("e-1", 6, "ann")));

        script("return redis.call('PEXPIRE', KEYS[1], 1)", keys.execLog("e-1"));
        Thread.sleep(20);
        fake.advance(Duration.ofMillis(20));
        assertEquals(new Outcome(1, 1, 0), both(exec("e-1", 3, "ann"), exec("e-1", 7, "ann")),
                "an expired log: an old seq stays out, a new one starts the log again");

        script("return redis.call('SET', KEYS[1], 'x')", keys.execLog("wrong-type"));
        assertEquals(new Outcome(0, 0, 1), both(exec("wrong-type", 1, "ann")), "a key of another type: rejected");
        script("return redis.call('SET', KEYS[1], 'not json')", keys.execStatus("bad-snapshot"));
        assertEquals(new Outcome(1, 0, 0), both(exec("bad-snapshot", 1, null)), "an unreadable snapshot is replaced");

        for (int i = 0; i < RedisKeys.USER_EXECUTIONS_KEPT + 3; i++) {
            both(exec("many-" + i, 1, "cy"));
            if (i % 2 == 0) {
                fake.advance(Duration.ofMillis(1)); // some share a score: then the member's bytes order them
            }
        }
        assertEquals(new Outcome(0, 1, 0), both(exec("many-50", 1, "cy")));

        assertEquals(new Outcome(2, 0, 0), both(exec("late", 1, null), exec("late", 2, null)), "no owner yet: no owner's log");
        assertEquals(new Outcome(1, 1, 0), both(ownerFound("late", 3, "dee"), ownerFound("late", 3, "dee")),
                "the owner's log gets the earlier events once, before this one");
        script("return redis.call('DEL', KEYS[1])", keys.userLog("dee"));
        assertEquals(new Outcome(1, 0, 0), both(exec("late", 4, "dee")), "a log gone (expired): the next entry still names the last");
        assertSameKeyspace();
        assertSamePublishes();
    }

    @Test
    void aWriteAboveKeysThatLostTheirLastSeqsIsRefusedUnlessGapsAreAccepted() throws Exception {
        both(exec("lost", 1, "eve"), exec("lost", 2, "eve"), exec("lost", 3, "eve"));
        // as if a failover lost 4 and 5, which Redis had acknowledged
        assertEquals(new Outcome(0, 0, 0, 2), both(exec("lost", 6, "eve"), exec("lost", 7, "eve")), "the log ends at 3");
        assertEquals(new Outcome(4, 0, 0), both(exec("lost", 4, "eve"), exec("lost", 5, "eve"), exec("lost", 6, "eve"), exec("lost", 7, "eve")),
                "written once what was lost is written first");

        script("return redis.call('DEL', KEYS[1])", keys.execLog("lost"));
        assertEquals(new Outcome(0, 0, 0, 1), both(exec("lost", 9, "eve")), "no log: the snapshot says the keys end at 7");
        Outcome fromRedis = real.writeAcceptingGaps(List.of(exec("lost", 9, "eve")));
        assertEquals(fromRedis, memory.writeAcceptingGaps(List.of(exec("lost", 9, "eve"))));
        assertEquals(new Outcome(1, 0, 0), fromRedis, "written over the gap when nothing can fill it");
        assertSameKeyspace();
        assertSamePublishes();
    }

    @Test
    void notificationsAndSystemEventsReplyAlikeAndLeaveTheSameKeys() throws Exception {
        assertEquals(new Outcome(2, 1, 0), both(notification("alice", "n-1"), notification("alice", "n-1"), notification("bob", "n-1")),
                "published once per user and id");
        assertEquals(new Outcome(0, 1, 0), both(notification("alice", "n-1")), "a repeat in a later batch");
        assertEquals(new Outcome(3, 1, 0), both(system("version", "s-1", "1.0"), system("maintenance", "s-2", "soon"),
                system("version", "s-3", "1.1"), system("version", "s-1", "1.0")), "a repeated system event changes nothing");
        real.heartbeat(1_234L);
        memory.heartbeat(1_234L);
        assertSameKeyspace();
        assertSamePublishes();
    }

    @Test
    void theStreamSlotScriptRepliesAlike() throws Exception {
        List<String> slots = List.of(prefix + "conns:{ann}", prefix + "conns:{ann}:alive");
        for (String stream : List.of("s-1", "s-2", "s-3")) {
            List<String> args = slotArgs(stream);
            assertEquals(jedis.eval(RedisScript.STREAM_SLOT_OPEN.source(), slots, args),
                    fake.eval(RedisScript.STREAM_SLOT_OPEN, slots, args), "streams evicted for " + stream);
            fake.advance(Duration.ofMillis(1));
        }
        jedis.zadd(slots.get(1), 0, "s-3");
        fake.call("ZADD", slots.get(1), "0", "s-3");
        List<String> args = slotArgs("s-4");
        assertEquals(jedis.eval(RedisScript.STREAM_SLOT_OPEN.source(), slots, args),
                fake.eval(RedisScript.STREAM_SLOT_OPEN, slots, args), "a lapsed slot is dropped first");
        assertSameKeyspace();
        assertSamePublishes();
    }

    private List<String> slotArgs(String stream) {
        long now = fake.nowMillis();
        return List.of(stream, String.valueOf(now), String.valueOf(now + 30_000), "2", "30000");
    }

    /** The replies and errors the scripts depend on, command by command. */
    @Test
    void commandRepliesAndErrorsAreRedis() {
        String stream = prefix + "stream";
        String text = prefix + "text";
        String zset = prefix + "zset";
        assertEquals("2-0", script("return redis.call('XADD', KEYS[1], 'MAXLEN', '1', '2-0', 'event', 'a')", stream));
        assertEquals("ERR The ID specified in XADD is equal or smaller than the target stream top item",
                script("return redis.pcall('XADD', KEYS[1], '2-0', 'event', 'b')['err']", stream));
        assertEquals("ERR The ID specified in XADD is equal or smaller than the target stream top item",
                script("return redis.pcall('XADD', KEYS[1], '1-0', 'event', 'b')['err']", stream));
        assertEquals("ERR The ID specified in XADD must be greater than 0-0",
                script("return redis.pcall('XADD', KEYS[1] .. ':new', '0-0', 'event', 'b')['err']", stream));
        assertEquals("OK", script("return redis.call('SET', KEYS[1], 'v', 'NX', 'PX', 60000)['ok']", text));
        assertEquals(1L, script("if redis.call('SET', KEYS[1], 'v', 'NX', 'PX', 60000) then return 0 end return 1", text));
        assertEquals(1L, script("if redis.call('GET', KEYS[1] .. ':missing') == false then return 1 end return 0", text));
        assertEquals("WRONGTYPE Operation against a key holding the wrong kind of value",
                script("return redis.pcall('XADD', KEYS[1], '1-0', 'event', 'x')['err']", text));
        assertEquals(0L, script("return redis.call('PEXPIRE', KEYS[1] .. ':missing', 1000)", text));
        assertEquals(List.of(1L, 1L, 0L, 1L), script("return {redis.call('ZADD', KEYS[1], 5, 'b'), redis.call('ZADD', KEYS[1], 5, 'a'),"
                + " redis.call('ZADD', KEYS[1], 6, 'b'), redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -2)}", zset));
        assertEquals(List.of("b"), script("return redis.call('ZRANGE', KEYS[1], 0, -1)", zset));
        assertEquals(List.of("6", "1764590400000", 0L), script("redis.call('ZADD', KEYS[1], 1764590400000, 'c')"
                + " return {redis.call('ZSCORE', KEYS[1], 'b'), redis.call('ZSCORE', KEYS[1], 'c'),"
                + " redis.call('ZSCORE', KEYS[1], 'none') and 1 or 0}", zset));
        assertEquals(List.of("userdata", "5", "string"), script("local t = cjson.decode('{\"n\":null,\"x\":5,\"s\":\"v\"}')"
                + " return {type(t['n']), tostring(t['x']), type(t['s'])}", text));
        assertEquals("[1,\"a\",true]", script("return cjson.encode(cjson.decode('[1,\"a\",true]'))", text));
        assertEquals("failed", script("if pcall(cjson.decode, 'nope') then return 'decoded' end return 'failed'", text));
        assertEquals(java.util.Arrays.asList(1L, "a", null, "b"), script("return {true, 'a', false, 'b'}", text), "false is a nil in an array reply");
        assertSameKeyspace();
    }

    // --- both sides ---

    private Outcome both(SinkWrite... batch) throws Exception {
        Outcome fromRedis = real.write(List.of(batch));
        Outcome fromMemory = memory.write(List.of(batch));
        assertEquals(fromRedis, fromMemory, "the in-memory sink replies as Redis does");
        return fromRedis;
    }

    /** Runs a script on both with one key; asserts the same reply (or error) and returns it. */
    private Object script(String source, String key) {
        Object fromRedis;
        try {
            fromRedis = normalise(jedis.eval(source, List.of(key), List.of()));
        } catch (JedisDataException e) {
            fromRedis = "error: " + e.getMessage();
        }
        Object fromMemory;
        try {
            fromMemory = normalise(fake.eval(source, List.of(key), List.of()));
        } catch (RedisError e) {
            fromMemory = "error: " + e.getMessage();
        }
        assertEquals(fromRedis, fromMemory, source);
        return fromRedis;
    }

    private static Object normalise(Object reply) {
        if (reply instanceof InMemoryRedis.Status status) {
            return status.text();
        }
        if (reply instanceof byte[] bytes) {
            return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
        }
        if (reply instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            list.forEach(item -> out.add(normalise(item)));
            return out;
        }
        return reply;
    }

    private void assertSameKeyspace() {
        Set<String> inRedis = new TreeSet<>(jedis.keys(prefix + "*"));
        assertEquals(inRedis, fake.keys().stream().filter(k -> k.startsWith(prefix)).collect(Collectors.toCollection(TreeSet::new)));
        for (String key : inRedis) {
            switch (jedis.type(key)) {
                case "string" -> assertEquals(jedis.get(key), fake.get(key), key);
                case "stream" -> assertEquals(
                        jedis.xrange(key, (StreamEntryID) null, (StreamEntryID) null).stream().map(e -> e.getID() + " " + e.getFields()).toList(),
                        fake.stream(key).stream().map(e -> e.id() + " " + e.fields()).toList(), key);
                case "hash" -> assertEquals(jedis.hgetAll(key), fake.hash(key), key);
                case "zset" -> assertEquals(
                        jedis.zrangeWithScores(key, 0, -1).stream().map(t -> t.getElement() + "=" + t.getScore()).toList(),
                        fake.sortedSet(key).stream().map(m -> m + "=" + fake.score(key, m)).toList(), key);
                default -> throw new AssertionError("unexpected type of " + key);
            }
            long redisTtl = jedis.pttl(key);
            long memoryTtl = fake.pttl(key);
            assertTrue(redisTtl == memoryTtl || (redisTtl > 0 && memoryTtl > 0 && Math.abs(redisTtl - memoryTtl) < TTL_TOLERANCE.toMillis()),
                    key + " expires alike: " + redisTtl + " ms in Redis, " + memoryTtl + " ms in memory");
        }
    }

    private void assertSamePublishes() throws InterruptedException {
        List<String> expected = fake.published().stream().map(p -> p.channel() + " " + p.message()).toList();
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (published.messages().size() < expected.size() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        Thread.sleep(100); // room for a publish too many to arrive
        assertEquals(expected, published.messages().stream().map(m -> m.channel() + " " + m.body()).toList());
    }

    // --- writes as the topology makes them ---

    private static SinkWrite exec(String id, long seq, String owner) {
        String snapshot = "{\"execution_id\":\"" + id + "\",\"owner\":" + (owner == null ? "null" : "\"" + owner + "\"") + ",\"last_seq\":" + seq + "}";
        return new SinkWrite(SinkWrite.Kind.EXECUTION, id, seq, "id:" + seq, "t/0/" + seq,
                envelope(id, seq), snapshot, false, owner, List.of());
    }

    private static String envelope(String id, long seq) {
        return "{\"execution_id\":\"" + id + "\",\"seq\":" + seq + ",\"data\":{\"é\":\"ü\"}}";
    }

    /** The write that first knows the owner, with the events sequenced before it. */
    private static SinkWrite ownerFound(String id, long seq, String owner) {
        List<SinkWrite.Earlier> earlier = new java.util.ArrayList<>();
        for (long s = 1; s < seq; s++) {
            earlier.add(new SinkWrite.Earlier(s, envelope(id, s)));
        }
        SinkWrite plain = exec(id, seq, owner);
        return new SinkWrite(plain.kind(), id, seq, plain.dedupId(), plain.source(), plain.envelope(), plain.snapshot(), false, owner, earlier);
    }

    private static SinkWrite notification(String user, String eventId) {
        return new SinkWrite(SinkWrite.Kind.NOTIFICATION, user, 0, "id:" + eventId, "n/0/1",
                "{\"user_id\":\"" + user + "\",\"event_id\":\"" + eventId + "\"}", null, false);
    }

    private static SinkWrite system(String type, String eventId, String version) {
        return new SinkWrite(SinkWrite.Kind.SYSTEM, type, 0, "id:" + eventId, "s/0/1",
                "{\"event_type\":\"" + type + "\",\"data\":{\"v\":\"" + version + "\"}}", null, false);
    }
}
