package io.sserouter.system.bench;

import io.sserouter.config.Env;
import io.sserouter.config.RedisSettings;
import io.sserouter.contract.PubSub;
import io.sserouter.contract.RedisKeys;
import io.sserouter.testkit.FreePorts;
import io.sserouter.testkit.RedisProcess;
import io.sserouter.testkit.Tokens;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Connection;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XAddParams;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * The edge in its own JVM, as deployed, on the bench's Redis. Events reach it the way the topology writes them: the
 * log entry, the snapshot and the publish on the execution's channel; for user streams, the entry of the owner's log
 * and the publish on the user's channel. Each connection carries the token of a user of its own, as browsers of
 * different users would (the per-user limits then cost what they cost in production). On a Redis Cluster, the keys
 * go to the masters that serve their slots and each publish to the master that serves its channel's slot, where the
 * topology's script would publish it, with the pub/sub kind the edge chooses there ({@code SSE_REDIS_PUBSUB}, sharded
 * by default on a cluster: SPUBLISH, heard on that master alone; global: PUBLISH, relayed to every node).
 */
final class EdgeServer implements ServerUnderTest {
    /** What each connection follows: one execution, or all of one user's executions (channel = user). */
    enum Streams { EXECUTION, USER }

    /** The ms part of the bench's user-log ids: entry {@code {USER_LOG_MS}-{seq}} names {@code -{seq-1}} before it. */
    private static final long USER_LOG_MS = 1_000_000_000_000L;
    private static final RedisKeys KEYS = RedisKeys.defaults();

    /** The flags docs/operations.md and the edge's image recommend (a small, tight heap), with the bench's heap cap. */
    static final List<String> DEFAULT_JVM_FLAGS = List.of("-Xmx1g", "-Xms32m", "-XX:+UseParallelGC", "-XX:+UseCompactObjectHeaders", "-Xss256k",
            "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=20");
    static final int LOG_LENGTH = 1_000;

    private final String redisUrl;
    private final List<String> jvmFlags;
    private final Streams streams;
    private final PubSub pubSub;
    private final Tokens tokens = Tokens.hs256();
    private final Map<Integer, String> tokenCache = new HashMap<>();
    private Process process;
    private int port;

    EdgeServer(RedisProcess redis, List<String> jvmFlags) {
        this(redis, jvmFlags, Streams.EXECUTION);
    }

    EdgeServer(RedisProcess redis, List<String> jvmFlags, Streams streams) {
        this(redis.url(), jvmFlags, streams);
    }

    /** On any Redis that REDIS_URL can name: one node, or a cluster by its seeds. */
    EdgeServer(String redisUrl, List<String> jvmFlags, Streams streams) {
        this.redisUrl = redisUrl;
        this.jvmFlags = jvmFlags;
        this.streams = streams;
        // the kind the edge chooses on this Redis (its environment is this one's, REDIS_URL apart)
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("REDIS_URL", redisUrl);
        this.pubSub = RedisSettings.fromEnv(new Env(env)).pubSub();
    }

    /** How events are published to the edge: the kind it subscribes with. */
    PubSub pubSub() {
        return pubSub;
    }

    @Override
    public String name() {
        return streams == Streams.USER ? "edge-user" : "edge";
    }

    @Override
    public String description() {
        return streams == Streams.USER
                ? "edge JVM " + String.join(" ", jvmFlags) + ", user streams (GET /api/v1/events), one user per channel, events through the user's log"
                : "edge JVM " + String.join(" ", jvmFlags) + ", events through Redis (XADD + SET + " + pubSub.publishCommand() + " per event)";
    }

    void start() throws Exception {
        port = FreePorts.any();
        Path log = Files.createTempFile("edge-bench", ".log");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(jvmFlags);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.sserouter.edge.Main"));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("REDIS_URL", redisUrl);
        pb.environment().put("SSE_JWT_SECRET", tokens.secret());
        pb.environment().put("SSE_HTTP_PORT", String.valueOf(port));
        pb.environment().put("SSE_FIRST_EVENT_WAIT_SECONDS", "3600");
        process = pb.start();
        awaitReady();
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public List<Long> pids() {
        return List.of(process.pid());
    }

    @Override
    public void prepare(int channels) {
        try (Writes writes = writes()) {
            for (int c = 0; c < channels; c++) {
                write(writes, c, 1, ServerUnderTest.envelope("b" + c, 1, false), true);
            }
            writes.sync();
        }
    }

    @Override
    public String subscribeRequest(int connection, int channel) {
        if (streams == Streams.USER) {
            return "GET /api/v1/events?user=bu" + channel + " HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n"
                    + "Authorization: Bearer " + token(connection) + "\r\n\r\n";
        }
        return request("b" + channel, connection, null);
    }

    /** Writes event {@code seq} of channel {@code c}'s execution as the topology would, or only publishes it. */
    private void write(Writes w, int c, long seq, String envelope, boolean stored) {
        String id = "b" + c;
        if (streams == Streams.USER) {
            String user = "bu" + c;
            String entry = USER_LOG_MS + "-" + seq;
            String prev = seq == 1 ? "0-0" : USER_LOG_MS + "-" + (seq - 1);
            if (stored) {
                w.on(KEYS.userLog(user)).xadd(KEYS.userLog(user), XAddParams.xAddParams().id(entry).maxLen(LOG_LENGTH),
                        Map.of(RedisKeys.USER_LOG_PREV_FIELD, prev, RedisKeys.LOG_FIELD, envelope));
                w.on(KEYS.userLogLast(user)).set(KEYS.userLogLast(user), entry);
            }
            publish(w.on(KEYS.userChannel(user)), KEYS.userChannel(user), entry + " " + prev + " " + envelope);
            return;
        }
        AbstractPipeline p = w.on(KEYS.execChannel(id)); // an execution's keys and channel share one slot
        if (stored) {
            writeEvent(p, id, seq, envelope);
        } else {
            publish(p, KEYS.execChannel(id), envelope);
        }
    }

    /** A stream request for an execution as user number {@code user}, resuming after {@code lastEventId} if not null. */
    String request(String executionId, int user, Long lastEventId) {
        return "GET /api/v1/events/executions/" + executionId + " HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n"
                + "Authorization: Bearer " + token(user) + "\r\n" + (lastEventId == null ? "" : "Last-Event-ID: " + lastEventId + "\r\n") + "\r\n";
    }

    private String token(int user) {
        return tokenCache.computeIfAbsent(user, u -> tokens.admin("bench-" + u, Duration.ofHours(4)));
    }

    /** Writes an event the way the topology does (log entry, snapshot, publish), so the edge can also replay it. */
    void writeEvent(AbstractPipeline p, String id, long seq, String envelope) {
        p.xadd(KEYS.execLog(id), XAddParams.xAddParams().id(new StreamEntryID(seq, 0)).maxLen(LOG_LENGTH), Map.of(RedisKeys.LOG_FIELD, envelope));
        p.set(KEYS.execStatus(id), "{\"execution_id\":\"" + id + "\",\"status\":\"running\",\"owner\":\"bench\",\"last_seq\":" + seq + ",\"closed\":false}");
        publish(p, KEYS.execChannel(id), envelope);
    }

    /**
     * Publishes the way the edge listens: PUBLISH, or SPUBLISH with sharded pub/sub, which a pipeline sends to the
     * master of the channel's slot (as the topology's script does).
     */
    private void publish(AbstractPipeline p, String channel, String message) {
        p.sendCommand(Protocol.Command.valueOf(pubSub.publishCommand()), channel, message);
    }

    /** A client of one node (the resume benchmark's, which runs on one node only). */
    Jedis jedis() {
        return new Jedis(URI.create(redisUrl));
    }

    private Writes writes() {
        return redisUrl.contains(",") ? new ClusterWrites(redisUrl) : new NodeWrites(jedis());
    }

    /** Pipelined writes, synced together. */
    private interface Writes extends AutoCloseable {
        /** The pipeline for a key or channel: in a cluster, one to the master that serves its slot. */
        AbstractPipeline on(String keyOrChannel);

        /** Sends what is pipelined and waits for the answers. */
        void sync();

        @Override
        void close();
    }

    /** One node: one connection and one pipeline for everything. */
    private static final class NodeWrites implements Writes {
        private final Jedis jedis;
        private Pipeline pipeline;

        NodeWrites(Jedis jedis) {
            this.jedis = jedis;
        }

        @Override
        public AbstractPipeline on(String keyOrChannel) {
            if (pipeline == null) {
                pipeline = jedis.pipelined();
            }
            return pipeline;
        }

        @Override
        public void sync() {
            if (pipeline != null) {
                pipeline.sync();
                pipeline = null;
            }
        }

        @Override
        public void close() {
            jedis.close();
        }
    }

    /**
     * A cluster: a connection and a pipeline per master, each command on the master of its key's or channel's slot
     * (a cluster pipeline would refuse a PUBLISH, which names no key, and SPUBLISH must reach its slot's master), so that an event whose keys share a slot is one
     * round trip, as on one node.
     */
    private static final class ClusterWrites implements Writes {
        private final RedisClusterClient cluster;
        private final Map<Integer, HostAndPort> nodeOfSlot = new HashMap<>();
        private final Map<HostAndPort, Jedis> nodes = new HashMap<>();
        private final Map<HostAndPort, Pipeline> pipelines = new HashMap<>();

        ClusterWrites(String seeds) {
            // the deployables' own client for this REDIS_URL, to learn which master serves a slot
            cluster = (RedisClusterClient) RedisSettings.fromEnv(new Env(Map.of("REDIS_URL", seeds))).pooledClient("sse-bench-writer", 2);
        }

        @Override
        public AbstractPipeline on(String keyOrChannel) {
            HostAndPort node = nodeOfSlot.computeIfAbsent(JedisClusterCRC16.getSlot(keyOrChannel), slot -> {
                try (Connection c = cluster.getConnectionFromSlot(slot)) {
                    return c.getHostAndPort();
                }
            });
            return pipelines.computeIfAbsent(node, n -> nodes.computeIfAbsent(n, Jedis::new).pipelined());
        }

        @Override
        public void sync() {
            pipelines.values().forEach(Pipeline::sync);
            pipelines.clear();
        }

        @Override
        public void close() {
            nodes.values().forEach(Jedis::close);
            cluster.close();
        }
    }

    @Override
    public Publisher publisher() {
        Writes writes = writes();
        return new Publisher() {
            @Override
            public void publishStamped(int channel, long seq) {
                write(writes, channel, seq, ServerUnderTest.envelope("b" + channel, seq, true), true);
                writes.sync();
            }

            @Override
            public void publishRound(int channels, long[] next) {
                // only the publish: the log and snapshot are the topology's work, not the edge's
                for (int c = 0; c < channels; c++) {
                    long seq = next[c]++;
                    write(writes, c, seq, ServerUnderTest.envelope("b" + c, seq, false), false);
                }
                writes.sync();
            }

            @Override
            public void close() {
                writes.close();
            }
        };
    }

    @Override
    public void settle() throws Exception {
        new ProcessBuilder("jcmd", String.valueOf(process.pid()), "GC.run").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        Thread.sleep(500);
    }

    /** Heap in use, from the edge's own /metrics. */
    @Override
    public long liveHeap() throws Exception {
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return (long) metrics.lines().filter(l -> l.startsWith("jvm_memory_used_bytes{area=\"heap\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private void awaitReady() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        for (int i = 0; i < 300; i++) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // starting
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("edge not ready");
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null) {
            process.destroy();
            process.waitFor();
        }
    }
}
