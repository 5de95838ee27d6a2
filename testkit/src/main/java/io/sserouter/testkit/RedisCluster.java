package io.sserouter.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.MigrateParams;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * A real Redis Cluster of 3 masters and 3 replicas: six redis-server processes on free ports, joined by
 * {@code redis-cli --cluster create … --cluster-replicas 1}. A short node timeout makes a replica take over a killed
 * master within a few seconds.
 */
public final class RedisCluster implements AutoCloseable {
    private static final int NODES = 6;
    private static final Duration NODE_TIMEOUT = Duration.ofMillis(1_000);
    /** Keys moved per MIGRATE: several round trips for a slot of a few dozen keys, as with many more. */
    private static final int MIGRATE_BATCH = 10;
    private static final Duration MIGRATE_TIMEOUT = Duration.ofSeconds(5);

    private final List<RedisProcess> nodes;

    private RedisCluster(List<RedisProcess> nodes) {
        this.nodes = nodes;
    }

    public static RedisCluster start() {
        return start(RedisCluster::create);
    }

    /**
     * Six cluster-enabled nodes joined by {@code create}, given their addresses (masters first), instead of by
     * {@code redis-cli --cluster create}: for a script that creates a cluster, run against real nodes.
     */
    public static RedisCluster start(Consumer<List<HostAndPort>> create) {
        List<RedisProcess> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < NODES; i++) {
                // the bus port is chosen too: the default (port + 10000) may be taken or beyond 65535
                nodes.add(RedisProcess.start(FreePorts.any(), List.of("--cluster-enabled", "yes",
                        "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", String.valueOf(NODE_TIMEOUT.toMillis()),
                        "--cluster-port", String.valueOf(FreePorts.any()))));
            }
            RedisCluster cluster = new RedisCluster(nodes);
            create.accept(nodes.stream().map(RedisProcess::address).toList());
            cluster.awaitHealthy();
            return cluster;
        } catch (RuntimeException e) {
            nodes.forEach(RedisProcess::close);
            throw e;
        }
    }

    private static void create(List<HostAndPort> nodes) {
        List<String> command = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        nodes.forEach(n -> command.add(n.toString()));
        command.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
        try {
            Process cli = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(cli.getInputStream().readAllBytes());
            if (cli.waitFor() != 0) {
                throw new IllegalStateException("redis-cli --cluster create failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run redis-cli", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The seeds to give REDIS_URL: every node that is up. */
    public String url() {
        return "redis://" + nodes.stream().filter(RedisProcess::alive).map(n -> "127.0.0.1:" + n.port())
                .collect(Collectors.joining(","));
    }

    /** Every node's address, for a cluster client of the test's own. */
    public Set<HostAndPort> seeds() {
        return nodes.stream().map(RedisProcess::address).collect(Collectors.toCollection(LinkedHashSet::new));
    }

    public List<RedisProcess> nodes() {
        return List.copyOf(nodes);
    }

    /** The nodes that are up and serve slots now. */
    public List<RedisProcess> masters() {
        return nodes.stream().filter(n -> n.alive() && "master".equals(RedisNodes.role(n))).toList();
    }

    /** The slot of a key (only its hash tag counts when it has one), as every cluster client computes it. */
    public static int slotOf(String key) {
        return JedisClusterCRC16.getSlot(key);
    }

    /** The node that serves this key's slot now. */
    public RedisProcess masterOf(String key) {
        return ownerOf(slotOf(key));
    }

    /** The live master that claims this slot as its own. */
    public RedisProcess ownerOf(int slot) {
        for (RedisProcess node : masters()) {
            String id = id(node);
            if (id.equals(ownerSeenBy(node, slot))) {
                return node;
            }
        }
        throw new IllegalStateException("no live master serves slot " + slot);
    }

    /**
     * Moves one slot and its keys to another master the way {@code redis-cli --cluster reshard} does, while clients
     * go on writing: the target imports it, the source migrates it (a key it no longer holds is asked for at the
     * target), its keys move in batches, then every master is told the slot's new owner. Returns once every live node
     * sees the target as the owner.
     */
    public void migrateSlot(int slot, RedisProcess target) {
        migrateSlot(slot, target, MIGRATE_BATCH, Duration.ZERO);
    }

    /**
     * {@link #migrateSlot(int, RedisProcess)} {@code batch} keys at a time with a pause after each batch, so that the
     * slot stays half moved for a while, its keys split between the two masters, as a large slot does.
     */
    public void migrateSlot(int slot, RedisProcess target, int batch, Duration pause) {
        RedisProcess source = ownerOf(slot);
        if (source == target) {
            throw new IllegalArgumentException("slot " + slot + " is already on port " + target.port());
        }
        String targetId = id(target);
        try (Jedis from = new Jedis(source.address()); Jedis to = new Jedis(target.address())) {
            to.clusterSetSlotImporting(slot, id(source));
            from.clusterSetSlotMigrating(slot, targetId);
            List<String> keys;
            while (!(keys = from.clusterGetKeysInSlot(slot, batch)).isEmpty()) {
                from.migrate(target.address().getHost(), target.port(), (int) MIGRATE_TIMEOUT.toMillis(), new MigrateParams(),
                        keys.toArray(String[]::new));
                sleep(pause);
            }
            // the target first: once the source lets go, clients are sent to a node that already owns the slot
            to.clusterSetSlotNode(slot, targetId);
            from.clusterSetSlotNode(slot, targetId);
        }
        for (RedisProcess master : masters()) {
            if (master != source && master != target) {
                try (Jedis jedis = new Jedis(master.address())) {
                    jedis.clusterSetSlotNode(slot, targetId);
                }
            }
        }
        RedisNodes.await("every node sees slot " + slot + " on port " + target.port(),
                () -> nodes.stream().filter(RedisProcess::alive).allMatch(n -> targetId.equals(ownerSeenBy(n, slot))));
    }

    private static void sleep(Duration pause) {
        try {
            Thread.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String id(RedisProcess node) {
        try (Jedis jedis = new Jedis(node.address())) {
            return jedis.clusterMyId();
        }
    }

    /** The id of the node that {@code node}'s view of the cluster gives this slot to, null when none or unreachable. */
    private static String ownerSeenBy(RedisProcess node, int slot) {
        String nodes;
        try (Jedis jedis = new Jedis(node.address())) {
            nodes = jedis.clusterNodes();
        } catch (JedisException e) {
            return null;
        }
        for (String line : nodes.split("\n")) {
            String[] fields = line.trim().split(" ");
            for (int i = 8; i < fields.length; i++) {
                if (fields[i].startsWith("[")) {
                    continue; // a slot being migrated or imported, still served by its owner
                }
                String[] range = fields[i].split("-");
                int from = Integer.parseInt(range[0]);
                int to = range.length > 1 ? Integer.parseInt(range[1]) : from;
                if (slot >= from && slot <= to) {
                    return fields[0];
                }
            }
        }
        return null;
    }

    /** {@code kill -9} of a master, then waits until one of its replicas has taken its slots over. */
    public void killMaster(RedisProcess master) {
        master.kill();
        awaitTakeover();
    }

    /** Waits until a replica has taken over the slots of a master that died (3 live masters, the cluster ok). */
    public void awaitTakeover() {
        RedisNodes.await("a replica takes over from the dead master", () -> masters().size() == NODES / 2 && clusterOk());
    }

    /** The live replica of this master. */
    public RedisProcess replicaOf(RedisProcess master) {
        for (RedisProcess node : nodes) {
            if (node.alive() && node != master) {
                try (Jedis jedis = new Jedis(node.address())) {
                    String info = jedis.info("replication");
                    if ("slave".equals(RedisNodes.field(info, "role")) && String.valueOf(master.port()).equals(RedisNodes.field(info, "master_port"))) {
                        return node;
                    }
                }
            }
        }
        throw new IllegalStateException("no live replica of the master on port " + master.port());
    }

    /** A replica's orderly takeover (CLUSTER FAILOVER): its master becomes its replica, nothing is lost. */
    public void failover(RedisProcess replica) {
        try (Jedis jedis = new Jedis(replica.address())) {
            jedis.clusterFailover();
        }
        RedisNodes.await("replica on port " + replica.port() + " becomes a master", () -> "master".equals(RedisNodes.role(replica)) && clusterOk());
    }

    /** Waits until every live node sees the cluster as ok and every replica is in sync with its master. */
    public void awaitHealthy() {
        RedisNodes.await("the cluster is ok with 3 masters and their replicas in sync", () -> clusterOk()
                && masters().size() == NODES / 2
                && nodes.stream().filter(RedisProcess::alive).filter(n -> "slave".equals(RedisNodes.role(n))).allMatch(RedisNodes::linked));
    }

    private boolean clusterOk() {
        return nodes.stream().filter(RedisProcess::alive).allMatch(n -> {
            try (Jedis jedis = new Jedis(n.address())) {
                return jedis.clusterInfo().contains("cluster_state:ok");
            } catch (JedisException e) {
                return false;
            }
        });
    }

    @Override
    public void close() {
        nodes.forEach(RedisProcess::close);
    }
}
