package io.sserouter.topology.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Redis commands {@link InMemoryRedis} knows, with Redis's replies and error messages: the ones the product's
 * scripts call, and the few a test needs to seed or read keys.
 */
final class RedisCommands {
    private static final InMemoryRedis.Status OK = new InMemoryRedis.Status("OK");

    private final InMemoryRedis redis;

    RedisCommands(InMemoryRedis redis) {
        this.redis = redis;
    }

    Object call(List<String> args) {
        if (args.isEmpty()) {
            throw new RedisError("ERR wrong number of arguments");
        }
        String name = args.get(0).toUpperCase(Locale.ROOT);
        return switch (name) {
            case "GET" -> string(arg(args, 1));
            case "MGET" -> mget(args.subList(1, args.size()));
            case "SET" -> set(args);
            case "DEL" -> args.subList(1, args.size()).stream().filter(redis::remove).count();
            case "EXISTS" -> args.subList(1, args.size()).stream().filter(k -> redis.slot(k) != null).count();
            case "INCR" -> incr(arg(args, 1));
            case "PEXPIRE" -> pexpire(arg(args, 1), integer(arg(args, 2)));
            case "PTTL" -> pttl(arg(args, 1));
            // one node: a shard channel's message reaches the same subscribers as any other
            case "PUBLISH", "SPUBLISH" -> publish(arg(args, 1), arg(args, 2));
            case "XADD" -> xadd(args);
            case "XREVRANGE" -> xrevrange(args);
            case "XLEN" -> {
                StreamValue stream = typed(arg(args, 1), StreamValue.class);
                yield stream == null ? 0L : (long) stream.entries.size();
            }
            case "HSET" -> hset(args);
            case "HGET" -> {
                Map<?, ?> hash = typed(arg(args, 1), LinkedHashMap.class);
                yield hash == null ? null : hash.get(arg(args, 2));
            }
            case "ZADD" -> zadd(args);
            case "ZREM" -> zrem(args);
            case "ZSCORE" -> {
                SortedSetValue set = typed(arg(args, 1), SortedSetValue.class);
                Double score = set == null ? null : set.scores.get(arg(args, 2));
                yield score == null ? null : score(score);
            }
            case "ZCARD" -> {
                SortedSetValue set = typed(arg(args, 1), SortedSetValue.class);
                yield set == null ? 0L : (long) set.scores.size();
            }
            case "ZRANGE" -> {
                SortedSetValue set = typed(arg(args, 1), SortedSetValue.class);
                yield set == null ? List.of() : List.<Object>copyOf(set.range(integer(arg(args, 2)), integer(arg(args, 3))));
            }
            case "ZREMRANGEBYRANK" -> zremrangebyrank(arg(args, 1), integer(arg(args, 2)), integer(arg(args, 3)));
            default -> throw new RedisError("ERR unknown command '" + args.get(0) + "' (not modelled by InMemoryRedis)");
        };
    }

    /** As Redis: nil for a key that is missing or not a string (MGET never replies WRONGTYPE). */
    private List<String> mget(List<String> keys) {
        if (keys.isEmpty()) {
            throw new RedisError("ERR wrong number of arguments for 'mget' command");
        }
        List<String> values = new ArrayList<>(keys.size());
        for (String key : keys) {
            InMemoryRedis.Slot slot = redis.slot(key);
            values.add(slot != null && slot.value instanceof String text ? text : null);
        }
        return values;
    }

    String string(String key) {
        return typed(key, String.class);
    }

    /** The value at {@code key} if it is of {@code type}, null if there is none, WRONGTYPE otherwise. */
    <T> T typed(String key, Class<T> type) {
        InMemoryRedis.Slot slot = redis.slot(key);
        if (slot == null) {
            return null;
        }
        if (!type.isInstance(slot.value)) {
            throw new RedisError(RedisError.WRONG_TYPE);
        }
        return type.cast(slot.value);
    }

    private Object set(List<String> args) {
        String key = arg(args, 1);
        String value = arg(args, 2);
        boolean nx = false;
        boolean xx = false;
        boolean keepTtl = false;
        long expiresAt = 0;
        for (int i = 3; i < args.size(); i++) {
            switch (args.get(i).toUpperCase(Locale.ROOT)) {
                case "NX" -> nx = true;
                case "XX" -> xx = true;
                case "KEEPTTL" -> keepTtl = true;
                case "PX" -> expiresAt = redis.nowMillis() + positive(arg(args, ++i), "set");
                case "EX" -> expiresAt = redis.nowMillis() + positive(arg(args, ++i), "set") * 1000;
                default -> throw new RedisError("ERR syntax error");
            }
        }
        InMemoryRedis.Slot before = redis.slot(key);
        if ((nx && before != null) || (xx && before == null)) {
            return null;
        }
        InMemoryRedis.Slot slot = redis.put(key, value);
        slot.expiresAt = keepTtl && before != null ? before.expiresAt : expiresAt;
        return OK;
    }

    private long incr(String key) {
        String current = string(key);
        long next;
        try {
            next = Math.addExact(current == null ? 0 : Long.parseLong(current), 1);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new RedisError("ERR value is not an integer or out of range");
        }
        InMemoryRedis.Slot before = redis.slot(key);
        long expiresAt = before == null ? 0 : before.expiresAt;
        redis.put(key, String.valueOf(next)).expiresAt = expiresAt;
        return next;
    }

    private long pexpire(String key, long millis) {
        InMemoryRedis.Slot slot = redis.slot(key);
        if (slot == null) {
            return 0L;
        }
        if (millis <= 0) {
            redis.remove(key); // Redis deletes a key given a TTL in the past
        } else {
            slot.expiresAt = redis.nowMillis() + millis;
        }
        return 1L;
    }

    private long pttl(String key) {
        InMemoryRedis.Slot slot = redis.slot(key);
        if (slot == null) {
            return -2L;
        }
        return slot.expiresAt == 0 ? -1L : slot.expiresAt - redis.nowMillis();
    }

    /** Nobody subscribes to an in-memory Redis: the message is recorded and reaches 0 clients. */
    private long publish(String channel, String message) {
        redis.publish(channel, message);
        return 0L;
    }

    /** XADD key [MAXLEN [=|~] n] id field value ...; {@code ~} trims exactly here, Redis may keep a few more. */
    /** XREVRANGE key + - [COUNT n]: the newest entries first, each {@code [id, [field, value, ...]]}. */
    private List<Object> xrevrange(List<String> args) {
        if (!arg(args, 2).equals("+") || !arg(args, 3).equals("-")) {
            throw new RedisError("ERR XREVRANGE bounds other than + and - are not modelled by InMemoryRedis");
        }
        long count = args.size() > 5 && arg(args, 4).equalsIgnoreCase("COUNT") ? integer(arg(args, 5)) : Long.MAX_VALUE;
        StreamValue stream = typed(arg(args, 1), StreamValue.class);
        List<Object> reply = new ArrayList<>();
        for (int i = stream == null ? -1 : stream.entries.size() - 1; i >= 0 && reply.size() < count; i--) {
            InMemoryRedis.StreamEntry entry = stream.entries.get(i);
            List<Object> fields = new ArrayList<>();
            entry.fields().forEach((field, value) -> {
                fields.add(field);
                fields.add(value);
            });
            reply.add(List.of(entry.id(), fields));
        }
        return reply;
    }

    private String xadd(List<String> args) {
        String key = arg(args, 1);
        int i = 2;
        long maxLen = -1;
        if (arg(args, i).equalsIgnoreCase("MAXLEN")) {
            i++;
            if (arg(args, i).equals("=") || arg(args, i).equals("~")) {
                i++;
            }
            maxLen = integer(arg(args, i++));
            if (maxLen < 0) {
                throw new RedisError("ERR The MAXLEN argument must be >= 0.");
            }
        }
        String id = arg(args, i++);
        if ((args.size() - i) == 0 || (args.size() - i) % 2 != 0) {
            throw new RedisError("ERR wrong number of arguments for 'xadd' command");
        }
        StreamValue.check(id);
        StreamValue stream = typed(key, StreamValue.class);
        StreamValue target = stream != null ? stream : new StreamValue();
        Map<String, String> fields = new LinkedHashMap<>();
        for (; i < args.size(); i += 2) {
            fields.put(args.get(i), args.get(i + 1));
        }
        String added = target.add(id, fields, maxLen, redis.nowMillis());
        if (stream == null) {
            redis.put(key, target);
        }
        return added;
    }

    private long hset(List<String> args) {
        if (args.size() < 4 || args.size() % 2 != 0) {
            throw new RedisError("ERR wrong number of arguments for 'hset' command");
        }
        String key = arg(args, 1);
        @SuppressWarnings("unchecked")
        Map<String, String> hash = typed(key, LinkedHashMap.class);
        if (hash == null) {
            hash = new LinkedHashMap<>();
            redis.put(key, hash);
        }
        long added = 0;
        for (int i = 2; i < args.size(); i += 2) {
            if (hash.put(args.get(i), args.get(i + 1)) == null) {
                added++;
            }
        }
        return added;
    }

    /** ZADD key [GT] score member ...: with GT an existing member's score only ever rises (new members are added). */
    private long zadd(List<String> args) {
        String key = arg(args, 1);
        boolean gt = args.size() > 2 && args.get(2).equalsIgnoreCase("GT");
        int first = gt ? 3 : 2;
        if (args.size() < first + 2 || (args.size() - first) % 2 != 0) {
            throw new RedisError("ERR syntax error");
        }
        List<Double> scores = new ArrayList<>();
        for (int i = first; i < args.size(); i += 2) {
            try {
                scores.add(Double.parseDouble(args.get(i)));
            } catch (NumberFormatException e) {
                throw new RedisError("ERR value is not a valid float");
            }
        }
        SortedSetValue set = typed(key, SortedSetValue.class);
        if (set == null) {
            set = new SortedSetValue();
            redis.put(key, set);
        }
        long added = 0;
        for (int i = first, n = 0; i < args.size(); i += 2, n++) {
            Double current = set.scores.get(args.get(i + 1));
            if (current == null) {
                added++;
            } else if (gt && scores.get(n) <= current) {
                continue;
            }
            set.scores.put(args.get(i + 1), scores.get(n));
        }
        return added;
    }

    /** A score as Redis prints it: whole numbers (the scripts' timestamps) without a fraction. */
    private static String score(double score) {
        return score == Math.rint(score) && Math.abs(score) < 1e17 ? String.valueOf((long) score) : String.valueOf(score);
    }

    private long zrem(List<String> args) {
        String key = arg(args, 1);
        SortedSetValue set = typed(key, SortedSetValue.class);
        if (set == null) {
            return 0L;
        }
        long removed = args.subList(2, args.size()).stream().filter(m -> set.scores.remove(m) != null).count();
        dropIfEmpty(key, set);
        return removed;
    }

    private long zremrangebyrank(String key, long start, long stop) {
        SortedSetValue set = typed(key, SortedSetValue.class);
        if (set == null) {
            return 0L;
        }
        List<String> doomed = set.range(start, stop);
        doomed.forEach(set.scores::remove);
        dropIfEmpty(key, set);
        return doomed.size();
    }

    /** Redis deletes a sorted set that lost its last member. */
    private void dropIfEmpty(String key, SortedSetValue set) {
        if (set.scores.isEmpty()) {
            redis.remove(key);
        }
    }

    private static long positive(String text, String command) {
        long value = integer(text);
        if (value <= 0) {
            throw new RedisError("ERR invalid expire time in '" + command + "' command");
        }
        return value;
    }

    private static long integer(String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new RedisError("ERR value is not an integer or out of range");
        }
    }

    private static String arg(List<String> args, int index) {
        if (index >= args.size()) {
            throw new RedisError("ERR wrong number of arguments for '" + args.get(0).toLowerCase(Locale.ROOT) + "' command");
        }
        return args.get(index);
    }
}
