package io.sserouter.edge.redis;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.resps.ClusterShardInfo;
import redis.clients.jedis.resps.ClusterShardNodeInfo;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * Which master of a Redis Cluster serves each of its 16,384 slots, as one node saw it (CLUSTER SHARDS, Redis 7), and
 * how many slots no master serves (a cluster that is not whole).
 */
record SlotMap(HostAndPort[] owners, Set<HostAndPort> masters, int uncovered) {
    static final int SLOTS = 16_384;

    static SlotMap read(Jedis node, boolean tls) {
        HostAndPort[] owners = new HostAndPort[SLOTS];
        Set<HostAndPort> masters = new LinkedHashSet<>();
        for (ClusterShardInfo shard : node.clusterShards()) {
            HostAndPort master = null;
            for (ClusterShardNodeInfo member : shard.getNodes()) {
                if ("master".equals(member.getRole())) {
                    master = address(member, tls);
                }
            }
            if (master == null || shard.getSlots().isEmpty()) {
                continue;
            }
            masters.add(master);
            for (List<Long> range : shard.getSlots()) {
                for (long slot = range.get(0); slot <= range.get(1); slot++) {
                    owners[(int) slot] = master;
                }
            }
        }
        int uncovered = 0;
        for (HostAndPort owner : owners) {
            if (owner == null) {
                uncovered++;
            }
        }
        return new SlotMap(owners, masters, uncovered);
    }

    private static HostAndPort address(ClusterShardNodeInfo member, boolean tls) {
        String endpoint = member.getEndpoint();
        String host = endpoint == null || endpoint.isEmpty() || "?".equals(endpoint) ? member.getIp() : endpoint;
        Long port = tls && member.getTlsPort() != null ? member.getTlsPort() : member.getPort();
        return new HostAndPort(host, port.intValue());
    }

    /** The master that serves this channel's slot now, or null when no master serves it. */
    HostAndPort ownerOf(String channel) {
        return owners[JedisClusterCRC16.getSlot(channel)];
    }

    /**
     * A channel in one of the master's slots, named {@code base{n}} with the smallest such n, or null when the master
     * serves no slot: a shard connection's probe, which only that shard can confirm.
     */
    String channelOn(HostAndPort master, String base) {
        for (int n = 0; n < SLOTS * 8; n++) {
            String channel = base + "{" + n + "}";
            if (master.equals(ownerOf(channel))) {
                return channel;
            }
        }
        return null;
    }

    /** Every node worth asking for the map next time: these masters, then the seeds. */
    List<HostAndPort> askFirst(Collection<HostAndPort> seeds) {
        List<HostAndPort> nodes = new ArrayList<>(masters);
        seeds.stream().filter(s -> !nodes.contains(s)).forEach(nodes::add);
        return nodes;
    }
}
