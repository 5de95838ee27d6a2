package io.sserouter.contract;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The Lua scripts that write to Redis, kept as resources beside this class so that the topology, the edge and the tests
 * (which write events the way the topology does) run the same text. Each file's header says its KEYS, ARGV and reply.
 */
public enum RedisScript {
    /** One sequenced execution event: log, snapshot, publish; idempotent by seq. */
    EXECUTION_WRITE("execution-write.lua"),
    /** One execution event appended to its owner's log (the user stream's) and published; idempotent by seq. */
    USER_LOG_APPEND("user-log-append.lua"),
    /** One notification or system event, published once (deduplicated by a marker key). */
    PUBLISH_ONCE("publish-once.lua"),
    /** A slot for a new stream of one user, evicting the oldest beyond the user's limit. */
    STREAM_SLOT_OPEN("stream-slot-open.lua"),
    /** Counts one connection attempt; the counter always gets an expiry, even if an earlier count left it without. */
    CONNECT_RATE("connect-rate.lua"),
    /** One message on one channel: a script, so that a cluster client routes it by its channel like any key. */
    PUBLISH("publish.lua");

    /** How every script that publishes says so; {@link #source(PubSub)} swaps in the command of the kind in use. */
    private static final String PUBLISH_CALL = "redis.call('PUBLISH'";

    private final String file;
    private final String source;

    RedisScript(String file) {
        this.file = file;
        this.source = read(file);
    }

    /** The script's text, as sent to EVAL or SCRIPT LOAD, publishing with PUBLISH. */
    public String source() {
        return source;
    }

    /** The script's text publishing the given way (SPUBLISH for sharded pub/sub). */
    public String source(PubSub pubSub) {
        return pubSub == PubSub.GLOBAL ? source : source.replace(PUBLISH_CALL, "redis.call('" + pubSub.publishCommand() + "'");
    }

    public String file() {
        return file;
    }

    private static String read(String file) {
        try (InputStream in = RedisScript.class.getResourceAsStream(file)) {
            if (in == null) {
                throw new IllegalStateException("script resource missing: " + file);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
