package io.sserouter.system.bench;

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
 * log entry, the snapshot and the publish on {@code sse:exec:{id}}. Each connection carries the token of a user of
 * its own, as browsers of different users would (the per-user limits then cost what they cost in production).
 */
final class EdgeServer implements ServerUnderTest {
    private static final io.sserouter.contract.RedisKeys KEYS = io.sserouter.contract.RedisKeys.defaults();
    /** The edge JVM's flags in this benchmark: the one place to change them. */
    /** The flags the README and the edge's image recommend (a small, tight heap), with the bench's heap cap. */
    static final List<String> DEFAULT_JVM_FLAGS = List.of("-Xmx1g", "-Xms32m", "-XX:+UseParallelGC", "-Xss256k",
            "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=20");
    static final int LOG_LENGTH = 1_000;

    private final RedisProcess redis;
    private final List<String> jvmFlags;
    private final Tokens tokens = Tokens.hs256();
    private final Map<Integer, String> tokenCache = new HashMap<>();
    private Process process;
    private int port;

    EdgeServer(RedisProcess redis, List<String> jvmFlags) {
        this.redis = redis;
        this.jvmFlags = jvmFlags;
    }

    @Override
    public String name() {
        return "edge";
    }

    @Override
    public String description() {
        return "edge JVM " + String.join(" ", jvmFlags) + ", events through Redis (XADD + SET + PUBLISH per event)";
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
                writeEvent(p, "b" + c, 1, ServerUnderTest.envelope("b" + c, 1, false));
            }
            p.sync();
        }
    }

    @Override
    public String subscribeRequest(int connection, int channel) {
        return request("b" + channel, connection, null);
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
        p.xadd(KEYS.execLog(id), XAddParams.xAddParams().id(new StreamEntryID(seq, 0)).maxLen(LOG_LENGTH), Map.of("event", envelope));
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
                String id = "b" + channel;
                Pipeline p = jedis.pipelined();
                writeEvent(p, id, seq, ServerUnderTest.envelope(id, seq, true));
                p.sync();
            }

            @Override
            public void publishRound(int channels, long[] next) {
                // only the publish: the log and snapshot are the topology's work, not the edge's
                Pipeline p = jedis.pipelined();
                for (int c = 0; c < channels; c++) {
                    String id = "b" + c;
                    p.publish(KEYS.execChannel(id), ServerUnderTest.envelope(id, next[c]++, false));
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
