package io.sserouter.edge.redis;

import io.sserouter.edge.redis.EventStore.Listener;
import io.sserouter.edge.sse.Published;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import redis.clients.jedis.DefaultJedisSocketFactory;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;

/**
 * A subscriber's connection to one Redis node, which hands each message to its channel's listeners. While no further
 * message waits on the connection, the subscriber's thread has time to relay the message to its streams itself,
 * which costs less than waking a writer thread per stream; while some do, it lets the writer pool relay it and reads
 * on, so a burst is written by every core instead of this one thread. Past {@link #RELAYED_HERE} streams a message
 * goes to the pool too: a broadcast to thousands of streams is written by every core, and holds up no other channel.
 */
final class SubscriberConnection implements AutoCloseable {
    static final int RELAYED_HERE = 64;

    private final Jedis jedis;
    private volatile Socket socket;

    SubscriberConnection(HostAndPort node, JedisClientConfig config) {
        DefaultJedisSocketFactory sockets = new DefaultJedisSocketFactory(node, config);
        jedis = new Jedis(() -> {
            Socket created = sockets.createSocket();
            socket = created;
            return created;
        }, config);
    }

    /** A channel's name as the binary subscriber sends it. */
    static byte[] bytes(String channel) {
        return channel.getBytes(StandardCharsets.UTF_8);
    }

    /** A channel's name as Redis sends it back, to look its listeners up by. */
    static String channel(byte[] name) {
        return new String(name, StandardCharsets.UTF_8);
    }

    Jedis jedis() {
        return jedis;
    }

    @Override
    public void close() {
        jedis.close();
    }

    /** Hands {@code message} to each of its channel's listeners, telling each whether it may relay it on this thread. */
    void dispatch(Published message, Iterable<Listener> listeners) {
        boolean caughtUp = caughtUp();
        int here = 0;
        for (Listener listener : listeners) {
            listener.onMessage(message, caughtUp && here++ < RELAYED_HERE);
        }
    }

    /**
     * True when no further message waits on the connection (as far as the socket tells: bytes still in the client's
     * own read buffer, or not yet decrypted over TLS, are not seen).
     */
    private boolean caughtUp() {
        Socket current = socket;
        try {
            return current == null || current.getInputStream().available() == 0;
        } catch (IOException e) {
            return true; // the connection is failing: its reader finds out
        }
    }
}
