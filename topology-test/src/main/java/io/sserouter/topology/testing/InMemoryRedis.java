package io.sserouter.topology.testing;

import io.sserouter.contract.RedisScript;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A Redis keyspace in memory for tests: the commands the product's Lua scripts use, with Redis's replies and
 * errors, and the scripts themselves run by LuaJ ({@link #eval}). Keys expire by a clock the test moves
 * ({@link #advance}); publishes are recorded in order instead of being delivered, since nobody subscribes here.
 *
 * <p>Replies are Java values: a bulk string is a {@code String}, an integer a {@code Long}, a nil {@code null},
 * a status reply a {@link Status}, an array a {@code List}; an error reply is thrown as {@link RedisError}.
 */
public final class InMemoryRedis {
    /** A status reply such as {@code OK}. */
    public record Status(String text) {
    }

    /** One message given to PUBLISH. */
    public record Published(String channel, String message) {
    }

    /** One entry of a stream. */
    public record StreamEntry(String id, Map<String, String> fields) {
    }

    /** A key's value and its expiry (epoch ms, 0 for none). */
    static final class Slot {
        final Object value;
        long expiresAt;

        Slot(Object value) {
            this.value = value;
        }
    }

    private final Map<String, Slot> keyspace = new HashMap<>();
    private final List<Published> published = new ArrayList<>();
    private final RedisCommands commands = new RedisCommands(this);
    private final LuaScripts scripts = new LuaScripts(this);
    private long nowMillis;

    /** A keyspace whose clock starts at {@code start}. */
    public InMemoryRedis(Instant start) {
        this.nowMillis = start.toEpochMilli();
    }

    public InMemoryRedis() {
        this(Instant.now());
    }

    // --- clock ---

    public synchronized long nowMillis() {
        return nowMillis;
    }

    /** Moves the clock on; keys whose time has come are gone from then on. */
    public synchronized void advance(Duration duration) {
        nowMillis += duration.toMillis();
    }

    // --- commands and scripts ---

    /** Runs one command, e.g. {@code call("SET", "k", "v", "PX", "1000")}, and returns its reply. */
    public synchronized Object call(String... args) {
        return commands.call(List.of(args));
    }

    /** EVAL of one of the product's scripts. */
    public Object eval(RedisScript script, List<String> keys, List<String> args) {
        return eval(script.source(), keys, args);
    }

    /** EVAL of a script's text: the whole script runs before any other command, as in Redis. */
    public synchronized Object eval(String source, List<String> keys, List<String> args) {
        return scripts.eval(source, keys, args);
    }

    // --- reading what was written ---

    /** The string at {@code key}, or null. */
    public synchronized String get(String key) {
        return commands.string(key);
    }

    /** The entries of the stream at {@code key}, oldest first; empty when there is none. */
    public synchronized List<StreamEntry> stream(String key) {
        StreamValue stream = commands.typed(key, StreamValue.class);
        return stream == null ? List.of() : List.copyOf(stream.entries);
    }

    /** The fields of the hash at {@code key}. */
    public synchronized Map<String, String> hash(String key) {
        @SuppressWarnings("unchecked")
        Map<String, String> hash = commands.typed(key, LinkedHashMap.class);
        return hash == null ? Map.of() : Map.copyOf(hash);
    }

    /** The members of the sorted set at {@code key}, lowest score first. */
    public synchronized List<String> sortedSet(String key) {
        SortedSetValue set = commands.typed(key, SortedSetValue.class);
        return set == null ? List.of() : set.ordered();
    }

    /** A member's score, or null. */
    public synchronized Double score(String key, String member) {
        SortedSetValue set = commands.typed(key, SortedSetValue.class);
        return set == null ? null : set.scores.get(member);
    }

    /** Milliseconds until {@code key} expires: -1 if it never does, -2 if it does not exist (PTTL). */
    public synchronized long pttl(String key) {
        return (Long) commands.call(List.of("PTTL", key));
    }

    /** Every key that exists now, sorted. */
    public synchronized Set<String> keys() {
        Set<String> out = new TreeSet<>();
        for (String key : new ArrayList<>(keyspace.keySet())) {
            if (slot(key) != null) {
                out.add(key);
            }
        }
        return out;
    }

    /** Every PUBLISH so far, in order. */
    public synchronized List<Published> published() {
        return List.copyOf(published);
    }

    /** The messages published on {@code channel}, in order. */
    public synchronized List<String> published(String channel) {
        return published.stream().filter(p -> p.channel().equals(channel)).map(Published::message).toList();
    }

    /** Empties the keyspace and the record of publishes (FLUSHALL). */
    public synchronized void flushAll() {
        keyspace.clear();
        published.clear();
    }

    // --- for the commands ---

    /** The live slot of {@code key}, dropping it when it has expired (Redis's lazy expiry). */
    Slot slot(String key) {
        Slot slot = keyspace.get(key);
        if (slot != null && slot.expiresAt != 0 && slot.expiresAt <= nowMillis) {
            keyspace.remove(key);
            return null;
        }
        return slot;
    }

    Slot put(String key, Object value) {
        Slot slot = new Slot(value);
        keyspace.put(key, slot);
        return slot;
    }

    boolean remove(String key) {
        return slot(key) != null && keyspace.remove(key) != null;
    }

    void publish(String channel, String message) {
        published.add(new Published(channel, message));
    }
}
