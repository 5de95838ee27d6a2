package io.sserouter.config;

import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisRedirectionException;

/** How both deployables tell a Redis that is passing through a failover or a slot move from one that refused a command. */
public final class RedisFailures {
    private RedisFailures() {
    }

    /**
     * Replies that only say the command went to the wrong node or came at the wrong moment: a slot moved or its master
     * changed (MOVED, ASK, READONLY: a master that came back as a replica), the cluster or a master is down, a node is
     * still loading. Retrying shortly succeeds; a client should be told to come back (503), not that it failed (500).
     */
    public static boolean passing(JedisDataException e) {
        if (e instanceof JedisRedirectionException) {
            return true;
        }
        String message = e.getMessage() == null ? "" : e.getMessage();
        return message.startsWith("CLUSTERDOWN") || message.startsWith("READONLY") || message.startsWith("LOADING")
                || message.startsWith("TRYAGAIN") || message.startsWith("MASTERDOWN") || message.contains("WAIT cannot be used with replica");
    }

    /**
     * Any failure of a call to Redis that retrying shortly can get past: no connection (refused, reset, timed out, no
     * pooled connection in time), or a {@link #passing(JedisDataException) passing} reply.
     */
    public static boolean passing(RuntimeException e) {
        if (e instanceof JedisDataException data) {
            return passing(data);
        }
        return e instanceof JedisException;
    }
}
