package io.sserouter.config;

import io.sserouter.contract.PubSub;
import io.sserouter.contract.RedisKeys;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.RedisSentinelClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Where Redis is (one node, a cluster or a Sentinel group, see {@link RedisUrl}) and how its keys are named; makes the
 * clients both deployables use, of the kind the deployment needs.
 */
public record RedisSettings(RedisUrl address, RedisKeys keys, ReplicaAcks acks, PubSubChoice pubSubChoice) {
    /** {@code SSE_REDIS_PUBSUB}: the kind of pub/sub, or AUTO to choose it from the deployment ({@link #pubSub()}). */
    public enum PubSubChoice { AUTO, GLOBAL, SHARDED }

    private static final Logger LOG = LoggerFactory.getLogger(RedisSettings.class);
    private static final int TIMEOUT_MS = 2_000;

    public static RedisSettings fromEnv(Env env) {
        String value = env.string("REDIS_URL", "redis://localhost:6379");
        RedisUrl address;
        try {
            address = RedisUrl.parse(value);
        } catch (IllegalArgumentException e) {
            env.problem("REDIS_URL " + e.getMessage() + ", got '" + redacted(value) + "'");
            address = RedisUrl.parse("redis://localhost:6379");
        }
        String prefix = env.matching("SSE_REDIS_PREFIX", RedisKeys.DEFAULT_PREFIX,
                p -> p.matches("[A-Za-z0-9_.:-]{0,64}"), "up to 64 characters of [A-Za-z0-9_.:-]");
        String pubSub = env.matching("SSE_REDIS_PUBSUB", "auto", v -> v.matches("(?i)auto|global|sharded"), "auto, global or sharded");
        return new RedisSettings(address, new RedisKeys(prefix), ReplicaAcks.fromEnv(env),
                PubSubChoice.valueOf(pubSub.toUpperCase(java.util.Locale.ROOT)));
    }

    /** The URL without its password, for messages. */
    private static String redacted(String url) {
        return url.replaceAll("(://[^:@/]*:)[^@/]*@", "$1***@");
    }

    /** The first node as a plain URL with the shared user, password, database and TLS: one node's address in the simple case. */
    public URI url() {
        return address.nodeUri();
    }

    /** The first node (the first sentinel with Sentinel). */
    public HostAndPort hostAndPort() {
        return address.nodes().get(0);
    }

    /** Client settings from the URL (user, password, database, TLS) with short timeouts and a name for CLIENT LIST. */
    public DefaultJedisClientConfig.Builder clientConfig(String clientName, int socketTimeoutMillis) {
        return DefaultJedisClientConfig.builder(url()).connectionTimeoutMillis(TIMEOUT_MS).socketTimeoutMillis(socketTimeoutMillis)
                .clientName(clientName);
    }

    /** Sentinels are asked without the data nodes' credentials (a sentinel usually has none), over TLS when the nodes are. */
    private JedisClientConfig sentinelConfig(String clientName) {
        return DefaultJedisClientConfig.builder().connectionTimeoutMillis(TIMEOUT_MS).socketTimeoutMillis(TIMEOUT_MS)
                .clientName(clientName).ssl(address.tls()).serverDefaultProtocol().build();
    }

    /**
     * A pooled client of the deployment's kind: one node, a cluster (several seeds, or one seed that says it is in a
     * cluster) or the master that the sentinels name. A borrower waits at most 2 s for a connection, then fails like an
     * unreachable Redis.
     */
    public UnifiedJedis pooledClient(String clientName, int poolSize) {
        GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
        pool.setMaxTotal(poolSize);
        pool.setMaxIdle(poolSize);
        pool.setMaxWait(Duration.ofMillis(TIMEOUT_MS));
        JedisClientConfig config = clientConfig(clientName, TIMEOUT_MS).build();
        return switch (kind()) {
            case NODE -> RedisClient.builder().hostAndPort(hostAndPort()).clientConfig(config).poolConfig(pool).build();
            case CLUSTER -> clusterClient(config, pool);
            case SENTINEL -> RedisSentinelClient.builder().masterName(address.masterName())
                    .sentinels(new LinkedHashSet<>(address.nodes())).sentinelClientConfig(sentinelConfig(clientName))
                    .clientConfig(config).poolConfig(pool).build();
        };
    }

    /**
     * A cluster client needs the slot map of a node that answers to be built at all: until one does (the cluster is
     * down or still forming), the start waits, trying again with backoff, rather than fail.
     */
    private UnifiedJedis clusterClient(JedisClientConfig config, GenericObjectPoolConfig<Connection> pool) {
        long backoff = 500;
        while (true) {
            try {
                return RedisClusterClient.builder().nodes(new LinkedHashSet<>(address.nodes())).clientConfig(config).poolConfig(pool).build();
            } catch (JedisException e) {
                LOG.warn("no node of the Redis Cluster {} gave its slot map ({}); trying again in {} ms", address.nodes(), e.getMessage(), backoff);
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                backoff = Math.min(backoff * 2, 5_000);
            }
        }
    }

    /**
     * The kind of deployment: as written in the URL, except that a single node is asked whether it is in a cluster.
     * A node that cannot be reached now is taken as a single Redis (the way it behaved before clusters were known).
     */
    public RedisUrl.Kind kind() {
        if (address.kind() != RedisUrl.Kind.NODE) {
            return address.kind();
        }
        try (Jedis jedis = new Jedis(hostAndPort(), clientConfig("sse-router-probe", TIMEOUT_MS).serverDefaultProtocol().build())) {
            if (jedis.info("cluster").contains("cluster_enabled:1")) {
                LOG.info("Redis at {} is a cluster node: using it as the seed of a cluster", hostAndPort());
                return RedisUrl.Kind.CLUSTER;
            }
            return RedisUrl.Kind.NODE;
        } catch (JedisException e) {
            LOG.warn("Redis at {} not reachable to tell a single node from a cluster ({}); taking it as a single node",
                    hostAndPort(), e.getMessage());
            return RedisUrl.Kind.NODE;
        }
    }

    /**
     * The pub/sub both deployables use, decided the same way by each at start: as set, or with {@code auto}, sharded
     * on a Redis Cluster whose nodes run Redis 7 or later (where SPUBLISH exists) and global everywhere else. A
     * cluster that cannot be asked now is taken to run Redis 7.
     */
    public PubSub pubSub() {
        return switch (pubSubChoice) {
            case GLOBAL -> PubSub.GLOBAL;
            case SHARDED -> PubSub.SHARDED;
            case AUTO -> kind() == RedisUrl.Kind.CLUSTER && clusterSupportsShardedPubSub() ? PubSub.SHARDED : PubSub.GLOBAL;
        };
    }

    /**
     * What is wrong with a Redis Cluster that does not serve all of its slots, as the first seed that answers sees it
     * (null when it serves them all, when this is not a cluster, or when no seed answers): the deployables log it at
     * start, since writes and streams of the slots no master serves wait until the cluster is whole.
     */
    public String clusterProblem() {
        if (kind() != RedisUrl.Kind.CLUSTER) {
            return null;
        }
        return askSeeds(seed -> {
            String info = seed.jedis().clusterInfo();
            String state = field(info, "cluster_state");
            String served = field(info, "cluster_slots_ok");
            if ("ok".equals(state) && "16384".equals(served)) {
                return "";
            }
            return "the Redis Cluster seen from " + seed.address() + " is " + state + " with " + served
                    + " of its 16384 slots served (cluster_slots_assigned " + field(info, "cluster_slots_assigned")
                    + "): events and streams of the other slots wait until every slot has a master (redis-cli --cluster check "
                    + seed.address() + ")";
        }).filter(problem -> !problem.isEmpty()).orElse(null);
    }

    /** A seed's connection, and its address for messages. */
    private record Seed(HostAndPort address, Jedis jedis) {
    }

    /** What the first seed that answers says; empty when none does. */
    private <T> Optional<T> askSeeds(java.util.function.Function<Seed, T> question) {
        for (HostAndPort seed : address.nodes()) {
            try (Jedis jedis = new Jedis(seed, clientConfig("sse-router-probe", TIMEOUT_MS).serverDefaultProtocol().build())) {
                return Optional.of(question.apply(new Seed(seed, jedis)));
            } catch (JedisException | NumberFormatException e) {
                LOG.debug("seed {} did not answer: {}", seed, e.getMessage());
            }
        }
        return Optional.empty();
    }

    private static String field(String info, String name) {
        return info.lines().filter(l -> l.startsWith(name + ":")).map(l -> l.substring(name.length() + 1).trim()).findFirst().orElse("?");
    }

    /** True unless a reachable seed reports a Redis older than 7. */
    private boolean clusterSupportsShardedPubSub() {
        Optional<Boolean> supported = askSeeds(seed -> {
            String version = field(seed.jedis().info("server"), "redis_version");
            if (Integer.parseInt(version.split("\\.")[0]) < 7) {
                LOG.warn("Redis at {} is version {}: pub/sub stays global (sharded pub/sub needs Redis 7)", seed.address(), version);
                return false;
            }
            return true;
        });
        if (supported.isEmpty()) {
            LOG.warn("no Redis Cluster seed answered; taking the cluster to run Redis 7 (sharded pub/sub)");
        }
        return supported.orElse(true);
    }

    /**
     * Where a subscriber connection goes on its {@code attempt}-th try: any node of a cluster relays every PUBLISH, so
     * the seeds are tried in turn; with Sentinel, the master the sentinels name now (null when none answers).
     */
    public HostAndPort subscriberNode(int attempt) {
        List<HostAndPort> nodes = address.nodes();
        if (address.kind() != RedisUrl.Kind.SENTINEL) {
            return nodes.get(Math.floorMod(attempt, nodes.size()));
        }
        for (int i = 0; i < nodes.size(); i++) {
            HostAndPort sentinel = nodes.get(Math.floorMod(attempt + i, nodes.size()));
            try (Jedis jedis = new Jedis(sentinel, sentinelConfig("sse-router-sentinel-probe"))) {
                List<String> master = jedis.sentinelGetMasterAddrByName(address.masterName());
                if (master != null && master.size() == 2) {
                    return new HostAndPort(master.get(0), Integer.parseInt(master.get(1)));
                }
            } catch (JedisException | NumberFormatException e) {
                LOG.debug("sentinel {} did not name the master: {}", sentinel, e.getMessage());
            }
        }
        return null;
    }
}
