package io.sserouter.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisException;

/**
 * A real Sentinel group: a master, two replicas and three redis-sentinel processes (quorum 2) on free ports. A short
 * down-after makes the sentinels promote a replica within a few seconds of the master's death.
 */
public final class RedisSentinelGroup implements AutoCloseable {
    public static final String MASTER_NAME = "sse-master";
    private static final int REPLICAS = 2;
    private static final int SENTINELS = 3;

    private final List<RedisProcess> servers = new ArrayList<>();
    private final List<RedisProcess> sentinels = new ArrayList<>();

    private RedisSentinelGroup() {
    }

    public static RedisSentinelGroup start() {
        RedisSentinelGroup group = new RedisSentinelGroup();
        try {
            RedisProcess master = RedisProcess.start(FreePorts.any(), List.of());
            group.servers.add(master);
            for (int i = 0; i < REPLICAS; i++) {
                group.servers.add(RedisProcess.start(FreePorts.any(), List.of("--replicaof", "127.0.0.1", String.valueOf(master.port()))));
            }
            RedisNodes.await("both replicas are in sync with the master",
                    () -> group.servers.stream().skip(1).allMatch(RedisNodes::linked));
            for (int i = 0; i < SENTINELS; i++) {
                group.sentinels.add(RedisProcess.sentinel(FreePorts.any(), List.of(
                        "sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + master.port() + " 2",
                        "sentinel down-after-milliseconds " + MASTER_NAME + " 1000",
                        "sentinel failover-timeout " + MASTER_NAME + " 10000",
                        "sentinel parallel-syncs " + MASTER_NAME + " 1")));
            }
            RedisNodes.await("every sentinel knows both replicas and the other sentinels", group::settled);
            return group;
        } catch (RuntimeException e) {
            group.close();
            throw e;
        }
    }

    private boolean settled() {
        for (RedisProcess sentinel : sentinels) {
            try (Jedis jedis = new Jedis(sentinel.address())) {
                var masters = jedis.sentinelMasters();
                if (masters.isEmpty()) {
                    return false;
                }
                var master = masters.get(0);
                if (!String.valueOf(REPLICAS).equals(master.get("num-slaves"))
                        || !String.valueOf(SENTINELS - 1).equals(master.get("num-other-sentinels"))) {
                    return false;
                }
            } catch (JedisException e) {
                return false;
            }
        }
        return true;
    }

    /** REDIS_URL for this group. */
    public String url() {
        return "redis+sentinel://" + sentinels.stream().map(s -> "127.0.0.1:" + s.port()).collect(Collectors.joining(","))
                + "/" + MASTER_NAME;
    }

    public List<RedisProcess> servers() {
        return List.copyOf(servers);
    }

    public List<RedisProcess> sentinels() {
        return List.copyOf(sentinels);
    }

    /** The server the sentinels name as master now. */
    public RedisProcess master() {
        for (RedisProcess sentinel : sentinels) {
            if (!sentinel.alive()) {
                continue;
            }
            try (Jedis jedis = new Jedis(sentinel.address())) {
                List<String> address = jedis.sentinelGetMasterAddrByName(MASTER_NAME);
                HostAndPort named = new HostAndPort(address.get(0), Integer.parseInt(address.get(1)));
                return servers.stream().filter(s -> s.address().equals(named)).findFirst()
                        .orElseThrow(() -> new IllegalStateException("sentinels name an unknown master " + named));
            } catch (JedisException e) {
                // ask the next one
            }
        }
        throw new IllegalStateException("no sentinel answers");
    }

    /**
     * {@code kill -9} of the master, then waits until every sentinel names a live replica as the new master and it
     * says so itself. Returns the new master.
     */
    public RedisProcess killMaster() {
        RedisProcess old = master();
        old.kill();
        RedisNodes.await("the sentinels promote a replica after the master on port " + old.port() + " died", () -> {
            try {
                RedisProcess now = master();
                return now != old && now.alive() && "master".equals(RedisNodes.role(now)) && allSentinelsName(now);
            } catch (RuntimeException e) {
                return false;
            }
        });
        return master();
    }

    private boolean allSentinelsName(RedisProcess server) {
        for (RedisProcess sentinel : sentinels) {
            try (Jedis jedis = new Jedis(sentinel.address())) {
                List<String> address = jedis.sentinelGetMasterAddrByName(MASTER_NAME);
                if (!server.address().equals(new HostAndPort(address.get(0), Integer.parseInt(address.get(1))))) {
                    return false;
                }
            } catch (JedisException e) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        sentinels.forEach(RedisProcess::close);
        servers.forEach(RedisProcess::close);
    }
}
