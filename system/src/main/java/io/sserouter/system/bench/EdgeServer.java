package io.sserouter.system.bench;

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
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XAddParams;

/**
 * The edge in its own JVM, as deployed, on the bench's Redis. Events reach it the way the topology writes them: the
 * log entry, the snapshot and the publish on the execution's channel; for user streams, the entry of the owner's log
 * and the publish on the user's channel. Each connection carries the token of a user of its own, as browsers of
 * different users would (the per-user limits then cost what they cost in production).
 */
final class EdgeServer implements ServerUnderTest {
    /** What each connection follows: one execution, or all of one user's executions (channel = user). */
    enum Streams { EXECUTION, USER }

    /** The ms part of the bench's user-log ids: entry {@code {USER_LOG_MS}-{seq}} names {@code -{seq-1}} before it. */
    private static final long USER_LOG_MS = 1_000_000_000_000L;
    private static final RedisKeys KEYS = RedisKeys.defaults();

    /** The edge JVM's flags in this benchmark: the one place to change them. */
    /** The flags the README and the edge's image recommend (a small, tight heap), with the bench's heap cap. */
    static final List<String> DEFAULT_JVM_FLAGS = List.of("-Xmx1g", "-Xms32m", "-XX:+UseParallelGC", "-Xss256k",
            "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=20");
    static final int LOG_LENGTH = 1_000;

    private final RedisProcess redis;
    private final List<String> jvmFlags;
    private final Streams streams;
    private final Tokens tokens = Tokens.hs256();
    private final Map<Integer, String> tokenCache = new HashMap<>();
    private Process process;
    private int port;

    EdgeServer(RedisProcess redis, List<String> jvmFlags) {
        this(redis, jvmFlags, Streams.EXECUTION);
    }

    EdgeServer(RedisProcess redis, List<String> jvmFlags, Streams streams) {
        this.redis = redis;
        this.jvmFlags = jvmFlags;
        this.streams = streams;
    }

    @Override
    public String name() {
        return streams == Streams.USER ? "edge-user" : "edge";
    }

    @Override
    public String description() {
        return streams == Streams.USER
                ? "edge JVM " + String.join(" ", jvmFlags) + ", user streams (GET /api/v1/events), one user per channel, events through the user's log"
                : "edge JVM " + String.join(" ", jvmFlags) + ", events through Redis (XADD + SET + PUBLISH per event)";
    }

    void start() throws Exception {
        port = FreePorts.any();
        Path log = Files.createTempFile("edge-bench", ".log");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(jvmFlags);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.sserouter.edge.Main"));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("REDIS_URL", redis.url());
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
        try (Jedis jedis = jedis()) {
            Pipeline p = jedis.pipelined();
            for (int c = 0; c < channels; c++) {
                write(p, c, 1, ServerUnderTest.envelope("b" + c, 1, false), true);
            }
            p.sync();
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
    private void write(Pipeline p, int c, long seq, String envelope, boolean stored) {
        String id = "b" + c;
        if (streams == Streams.USER) {
            String user = "bu" + c;
            String entry = USER_LOG_MS + "-" + seq;
            String prev = seq == 1 ? "0-0" : USER_LOG_MS + "-" + (seq - 1);
            if (stored) {
                p.xadd(KEYS.userLog(user), XAddParams.xAddParams().id(entry).maxLen(LOG_LENGTH),
                        Map.of(RedisKeys.USER_LOG_PREV_FIELD, prev, RedisKeys.LOG_FIELD, envelope));
                p.set(KEYS.userLogLast(user), entry);
            }
            p.publish(KEYS.userChannel(user), entry + " " + prev + " " + envelope);
            return;
        }
        if (stored) {
            writeEvent(p, id, seq, envelope);
        } else {
            p.publish(KEYS.execChannel(id), envelope);
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
    static void writeEvent(Pipeline p, String id, long seq, String envelope) {
        p.xadd(KEYS.execLog(id), XAddParams.xAddParams().id(new StreamEntryID(seq, 0)).maxLen(LOG_LENGTH), Map.of(RedisKeys.LOG_FIELD, envelope));
        p.set(KEYS.execStatus(id), "{\"execution_id\":\"" + id + "\",\"status\":\"running\",\"owner\":\"bench\",\"last_seq\":" + seq + ",\"closed\":false}");
        p.publish(KEYS.execChannel(id), envelope);
    }

    Jedis jedis() {
        return new Jedis(URI.create(redis.url()));
    }

    @Override
    public Publisher publisher() {
        Jedis jedis = jedis();
        return new Publisher() {
            @Override
            public void publishStamped(int channel, long seq) {
                Pipeline p = jedis.pipelined();
                write(p, channel, seq, ServerUnderTest.envelope("b" + channel, seq, true), true);
                p.sync();
            }

            @Override
            public void publishRound(int channels, long[] next) {
                // only the publish: the log and snapshot are the topology's work, not the edge's
                Pipeline p = jedis.pipelined();
                for (int c = 0; c < channels; c++) {
                    long seq = next[c]++;
                    write(p, c, seq, ServerUnderTest.envelope("b" + c, seq, false), false);
                }
                p.sync();
            }

            @Override
            public void close() {
                jedis.close();
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
