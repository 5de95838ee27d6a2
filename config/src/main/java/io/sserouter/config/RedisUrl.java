package io.sserouter.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.HostAndPort;

/**
 * REDIS_URL taken apart. Three forms: one node ({@code redis://[user:password@]host:port[/db]}), several seed nodes
 * of a cluster ({@code redis://h1:p1,h2:p2,…}), or a Sentinel group ({@code redis+sentinel://h1:p1,h2:p2/<master>[/db]}).
 * {@code rediss} in place of {@code redis} means TLS. {@link #nodeUri()} carries what every connection shares (user,
 * password, database, TLS, query options) in the form Jedis reads, pointing at the first node.
 */
public record RedisUrl(Kind kind, List<HostAndPort> nodes, String masterName, URI nodeUri) {
    public enum Kind {
        /** One node: a single Redis, or one seed of a cluster (the server tells which). */
        NODE,
        /** Several seed nodes of a cluster. */
        CLUSTER,
        /** Sentinels that know where the named master is. */
        SENTINEL
    }

    private static final int REDIS_PORT = 6379;
    private static final int SENTINEL_PORT = 26379;

    public RedisUrl {
        nodes = List.copyOf(nodes);
    }

    public boolean tls() {
        return "rediss".equals(nodeUri.getScheme());
    }

    /** Parses a REDIS_URL; the exception's message says what is wrong, for the caller to prefix with the variable. */
    public static RedisUrl parse(String url) {
        int schemeEnd = url.indexOf("://");
        if (schemeEnd < 0) {
            throw new IllegalArgumentException("must look like redis://host:port, rediss://…, redis://h1:p1,h2:p2 or "
                    + "redis+sentinel://h1:p1,h2:p2/<master-name>");
        }
        String scheme = url.substring(0, schemeEnd);
        boolean sentinel = scheme.endsWith("+sentinel");
        String nodeScheme = sentinel ? scheme.substring(0, scheme.length() - "+sentinel".length()) : scheme;
        if (!nodeScheme.equals("redis") && !nodeScheme.equals("rediss")) {
            throw new IllegalArgumentException("has scheme '" + scheme + "'; use redis, rediss, redis+sentinel or rediss+sentinel");
        }
        String rest = url.substring(schemeEnd + 3);
        String query = null;
        int q = rest.indexOf('?');
        if (q >= 0) {
            query = rest.substring(q + 1);
            rest = rest.substring(0, q);
        }
        int slash = rest.indexOf('/');
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "" : rest.substring(slash + 1);
        String userInfo = null;
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            userInfo = authority.substring(0, at);
            authority = authority.substring(at + 1);
        }
        List<HostAndPort> nodes = hosts(authority, sentinel ? SENTINEL_PORT : REDIS_PORT);

        String masterName = null;
        String database = "";
        List<String> segments = path.isEmpty() ? List.of() : List.of(path.split("/", -1));
        if (sentinel) {
            if (segments.isEmpty() || segments.get(0).isBlank()) {
                throw new IllegalArgumentException("names no master: use redis+sentinel://h1:p1,h2:p2/<master-name>");
            }
            masterName = segments.get(0);
            segments = segments.subList(1, segments.size());
        }
        if (segments.size() > 1 || (segments.size() == 1 && !segments.get(0).isEmpty() && !segments.get(0).matches("\\d{1,5}"))) {
            throw new IllegalArgumentException("has path '/" + path + "'; only " + (sentinel ? "/<master-name>[/<database>]" : "/<database>")
                    + " is allowed, the database a number");
        }
        if (segments.size() == 1) {
            database = segments.get(0);
        }
        Kind kind = sentinel ? Kind.SENTINEL : nodes.size() > 1 ? Kind.CLUSTER : Kind.NODE;
        if (kind == Kind.CLUSTER && !database.isEmpty() && Integer.parseInt(database) != 0) {
            throw new IllegalArgumentException("selects database " + database + ", but a cluster has only database 0");
        }
        HostAndPort first = nodes.get(0);
        String host = first.getHost().contains(":") ? "[" + first.getHost() + "]" : first.getHost();
        String node = nodeScheme + "://" + (userInfo == null ? "" : userInfo + "@") + host + ":" + first.getPort()
                + (database.isEmpty() ? "" : "/" + database) + (query == null ? "" : "?" + query);
        try {
            return new RedisUrl(kind, nodes, masterName, new URI(node));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("is not a valid URL (" + e.getReason() + ")");
        }
    }

    private static List<HostAndPort> hosts(String authority, int defaultPort) {
        List<HostAndPort> nodes = new ArrayList<>();
        for (String item : authority.split(",", -1)) {
            String entry = item.trim();
            String host;
            String port = null;
            if (entry.startsWith("[")) {
                int close = entry.indexOf(']');
                if (close < 0) {
                    throw new IllegalArgumentException("has an unclosed IPv6 address in '" + entry + "'");
                }
                host = entry.substring(1, close);
                String after = entry.substring(close + 1);
                if (!after.isEmpty()) {
                    if (!after.startsWith(":")) {
                        throw new IllegalArgumentException("has a bad node '" + entry + "'");
                    }
                    port = after.substring(1);
                }
            } else {
                int colon = entry.lastIndexOf(':');
                host = colon < 0 ? entry : entry.substring(0, colon);
                port = colon < 0 ? null : entry.substring(colon + 1);
            }
            if (host.isEmpty() || !host.matches("[A-Za-z0-9._:%-]+")) {
                throw new IllegalArgumentException("has a node without a valid host: '" + entry + "'");
            }
            nodes.add(new HostAndPort(host, port == null ? defaultPort : port(port, entry)));
        }
        return nodes;
    }

    private static int port(String port, String entry) {
        if (port.matches("\\d{1,5}")) {
            int value = Integer.parseInt(port);
            if (value >= 1 && value <= 65535) {
                return value;
            }
        }
        throw new IllegalArgumentException("has a node with a bad port: '" + entry + "'");
    }
}
