package io.sserouter.testkit;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisException;

/** What the cluster and the Sentinel group ask their servers while they settle. */
final class RedisNodes {
    /** Generous: a start or takeover that has not settled by then is broken, not slow. */
    private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(60);

    private RedisNodes() {
    }

    static String role(RedisProcess node) {
        try (Jedis jedis = new Jedis(node.address())) {
            return field(jedis.info("replication"), "role");
        } catch (JedisException e) {
            return "unreachable";
        }
    }

    static boolean linked(RedisProcess replica) {
        try (Jedis jedis = new Jedis(replica.address())) {
            return "up".equals(field(jedis.info("replication"), "master_link_status"));
        } catch (JedisException e) {
            return false;
        }
    }

    static String field(String info, String name) {
        for (String line : info.split("\r?\n")) {
            if (line.startsWith(name + ":")) {
                return line.substring(name.length() + 1).trim();
            }
        }
        return null;
    }

    static void await(String what, BooleanSupplier condition) {
        Await.until(what, SETTLE_TIMEOUT, condition);
    }

}
