package io.sserouter.system.bench;

import io.sserouter.system.local.DemoTokens;
import io.sserouter.testkit.RedisProcess;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XAddParams;

/**
 * Edge benchmark: the edge in its own JVM (as deployed), a real Redis, and one NIO load generator holding every
 * SSE connection in this JVM (spread over several 127.0.0.x source addresses). Reports connections held, the edge's
 * resident memory per connection, publish-to-receive latency at a fixed delivery rate, deliveries/s at saturation
 * and the edge's CPU time per delivery.
 */
public final class EdgeBench {
    private static final byte[] SENT = "\"sent_ns\":".getBytes(StandardCharsets.US_ASCII);

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new HashMap<>();
        for (String arg : args) {
            if (arg.startsWith("--") && arg.contains("=")) {
                opts.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
            }
        }
        int connections = Integer.parseInt(opts.getOrDefault("connections", "5000"));
        int channels = Integer.parseInt(opts.getOrDefault("channels", "500"));
        int latencyConnections = Integer.parseInt(opts.getOrDefault("latency-connections", "5000"));
        int deliveryRate = Integer.parseInt(opts.getOrDefault("delivery-rate", "20000"));
        int seconds = Integer.parseInt(opts.getOrDefault("seconds", "10"));

        DemoTokens tokens = new DemoTokens();
        try (RedisProcess redis = RedisProcess.start()) {
            int port = RedisProcess.freePort();
            Path log = Files.createTempFile("edge-bench", ".log");
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx1g", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), "io.sserouter.edge.Main")
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("REDIS_URL", redis.url());
            pb.environment().put("SSE_JWT_SECRET", tokens.secret());
            pb.environment().put("SSE_HTTP_PORT", String.valueOf(port));
            pb.environment().put("SSE_FIRST_EVENT_WAIT_SECONDS", "3600");
            Process edge = pb.start();
            try {
                awaitReady(port);
                String token = tokens.admin("bench", Duration.ofHours(2));
                try (Jedis jedis = new Jedis(URI.create(redis.url()))) {
                    for (int c = 0; c < channels; c++) {
                        publish(jedis, "b" + c, 1, false);
                    }
                }
                gc(edge.pid());
                Thread.sleep(500);
                long rssIdle = rss(edge.pid());
                long heapIdle = heapUsed(port);
                System.out.printf("== opening %d SSE connections to %d executions%n", connections, channels);
                Load load = new Load(port, token, channels);
                long t0 = System.nanoTime();
                load.open(connections);
                double connectSeconds = (System.nanoTime() - t0) / 1e9;
                gc(edge.pid());
                Thread.sleep(1_000);
                long rssHeld = rss(edge.pid());
                long heapHeld = heapUsed(port);
                System.out.printf("   %d connections held (opened in %.1f s); edge RSS %d MB idle -> %d MB: %.1f KB per connection"
                                + " (live heap after GC: %.1f KB per connection)%n",
                        load.live(), connectSeconds, rssIdle >> 20, rssHeld >> 20, (rssHeld - rssIdle) / 1024.0 / Math.max(1, load.live()),
                        (heapHeld - heapIdle) / 1024.0 / Math.max(1, load.live()));

                // latency at a fixed rate: only the first latencyConnections' executions get events
                int latencyChannels = Math.max(1, channels * Math.min(latencyConnections, connections) / connections);
                int perEvent = Math.max(1, connections / channels);
                int eventRate = Math.max(1, deliveryRate / perEvent);
                System.out.printf("== latency: %d events/s over %d executions (%d connections each) = %d deliveries/s for %d s%n",
                        eventRate, latencyChannels, perEvent, eventRate * perEvent, seconds);
                long cpu0 = cpu(edge.pid());
                long delivered0 = load.delivered();
                load.latencies.clear();
                long[] next = new long[channels]; // each execution's next seq: consecutive, so no stream ever sees a gap
                java.util.Arrays.fill(next, 2);
                try (Jedis jedis = new Jedis(URI.create(redis.url()))) {
                    long interval = 1_000_000_000L / eventRate;
                    long start = System.nanoTime();
                    for (long i = 0; i < (long) eventRate * seconds; i++) {
                        long due = start + i * interval;
                        while (System.nanoTime() < due) {
                            Thread.onSpinWait();
                        }
                        int c = (int) (i % latencyChannels);
                        publish(jedis, "b" + c, next[c]++, true);
                    }
                }
                Thread.sleep(1_000);
                long delivered = load.delivered() - delivered0;
                double cpuUs = (cpu(edge.pid()) - cpu0) * 10_000.0 / Math.max(1, delivered);
                List<Long> sorted = load.sortedLatencies();
                System.out.printf("   %d deliveries; latency p50 %.2f ms, p99 %.2f ms, max %.2f ms; edge CPU %.1f µs per delivery%n",
                        delivered, pct(sorted, 0.5), pct(sorted, 0.99), pct(sorted, 1.0), cpuUs);

                System.out.printf("== saturation: events to all %d executions as fast as Redis takes them, %d s%n", channels, seconds);
                long satDelivered0 = load.delivered();
                long satCpu0 = cpu(edge.pid());
                long satStart = System.nanoTime();
                try (Jedis jedis = new Jedis(URI.create(redis.url()))) {
                    long deadline = satStart + seconds * 1_000_000_000L;
                    long round = 0;
                    while (System.nanoTime() < deadline) {
                        Pipeline p = jedis.pipelined();
                        for (int c = 0; c < channels; c++) {
                            String id = "b" + c;
                            p.publish("sse:exec:" + id, envelope(id, next[c]++, false));
                        }
                        p.sync();
                        round++;
                    }
                }
                Thread.sleep(2_000);
                double satSeconds = (System.nanoTime() - satStart) / 1e9;
                long satDelivered = load.delivered() - satDelivered0;
                double satCpuUs = (cpu(edge.pid()) - satCpu0) * 10_000.0 / Math.max(1, satDelivered);
                System.out.printf("   %d deliveries in %.1f s: %.0f deliveries/s; edge CPU %.1f µs per delivery; %d connections still open%n",
                        satDelivered, satSeconds, satDelivered / satSeconds, satCpuUs, load.live());
                System.out.printf("%nSummary: %d connections, %.1f KB/connection, p99 %.2f ms at %d deliveries/s, %.0f deliveries/s at saturation%n",
                        load.live(), (rssHeld - rssIdle) / 1024.0 / Math.max(1, load.live()), pct(sorted, 0.99), eventRate * perEvent, satDelivered / satSeconds);
                load.close();
            } finally {
                edge.destroy();
                edge.waitFor();
            }
        }
        System.exit(0);
    }

    /** Writes an event the way the topology does, so the edge can also replay it. */
    private static void publish(Jedis jedis, String id, long seq, boolean stamped) {
        String envelope = envelope(id, seq, stamped);
        jedis.xadd("sse:exec:" + id + ":log", XAddParams.xAddParams().id(new StreamEntryID(seq, 0)).maxLen(100), Map.of("event", envelope));
        jedis.set("sse:exec:" + id + ":status", "{\"execution_id\":\"" + id + "\",\"status\":\"running\",\"owner\":\"bench\",\"last_seq\":" + seq + ",\"closed\":false}");
        jedis.publish("sse:exec:" + id, envelope);
    }

    private static String envelope(String id, long seq, boolean stamped) {
        // about 128 bytes of payload, as in the nchan comparison
        return "{\"execution_id\":\"" + id + "\",\"seq\":" + seq + ",\"event_type\":\"pod_running\",\"status\":\"running\""
                + (stamped ? ",\"sent_ns\":" + System.nanoTime() : "") + ",\"data\":{\"p\":\"" + "x".repeat(40) + "\"}}";
    }

    private static double pct(List<Long> sorted, double p) {
        return sorted.isEmpty() ? Double.NaN : sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(p * sorted.size()) - 1)) / 1e6;
    }

    private static void awaitReady(int port) throws Exception {
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

    private static void gc(long pid) throws Exception {
        new ProcessBuilder("jcmd", String.valueOf(pid), "GC.run").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
    }

    /** Heap in use, from the edge's own /metrics. */
    private static long heapUsed(int port) throws Exception {
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return (long) metrics.lines().filter(l -> l.startsWith("jvm_memory_used_bytes{area=\"heap\"")).mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private static long rss(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return 0;
    }

    /** utime + stime of a process, in clock ticks (1/100 s). */
    private static long cpu(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    /** Every SSE connection on one selector thread; counts delivered frames and records latencies of stamped ones. */
    private static final class Load implements AutoCloseable {
        private final int port;
        private final String token;
        private final int channels;
        private final Selector selector;
        private final AtomicLong delivered = new AtomicLong();
        final List<Long> latencies = new ArrayList<>();
        private final Thread thread;
        private volatile boolean running = true;
        private int opened;
        private final AtomicLong live = new AtomicLong();

        Load(int port, String token, int channels) throws IOException {
            this.port = port;
            this.token = token;
            this.channels = channels;
            this.selector = Selector.open();
            thread = new Thread(this::loop, "load");
            thread.setDaemon(true);
            thread.start();
        }

        void open(int count) throws Exception {
            for (int i = 0; i < count; i++) {
                SocketChannel channel = open();
                channel.connect(new InetSocketAddress("127.0.0.1", port));
                channel.configureBlocking(false);
                String request = "GET /api/v1/events/executions/b" + (opened % channels) + " HTTP/1.1\r\nHost: localhost\r\n"
                        + "Accept: text/event-stream\r\nAuthorization: Bearer " + token + "\r\n\r\n";
                channel.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)));
                channel.register(selector, SelectionKey.OP_READ, new Conn());
                selector.wakeup(); // so the new channel joins the next select at once
                opened++;
                if (i % 500 == 499) {
                    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                    while (live.get() < i + 1 - 50 && System.nanoTime() < deadline) {
                        Thread.sleep(5); // let the edge keep up with the connect storm
                    }
                }
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (live.get() < count && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        }

        private int nextPort = 10_000;
        private int nextAddress;

        /**
         * A client socket on the next of several 127.0.0.x source addresses (about 28k ports each), on an explicit
         * port: letting the kernel pick one for a bound socket gets slower with every connection already open.
         */
        private SocketChannel open() throws IOException {
            while (true) {
                SocketChannel channel = SocketChannel.open();
                try {
                    channel.bind(new InetSocketAddress("127.0.0." + (2 + nextAddress), nextPort));
                    return channel;
                } catch (IOException inUse) {
                    channel.close();
                } finally {
                    nextAddress = (nextAddress + 1) % 8;
                    if (nextAddress == 0) {
                        nextPort = nextPort >= 60_000 ? 10_000 : nextPort + 1;
                    }
                }
            }
        }

        long live() {
            return live.get();
        }

        long delivered() {
            return delivered.get();
        }

        List<Long> sortedLatencies() {
            List<Long> copy;
            synchronized (latencies) {
                copy = new ArrayList<>(latencies);
            }
            copy.sort(Long::compare);
            return copy;
        }

        private final class Conn {
            boolean gotStatus;
            int matched; // bytes of "sent_ns": matched so far
            long number = -1;
            int frameEnd; // consecutive '\n'
        }

        private void loop() {
            ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 16);
            while (running) {
                try {
                    selector.select(100);
                    Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                    while (keys.hasNext()) {
                        SelectionKey key = keys.next();
                        keys.remove();
                        SocketChannel channel = (SocketChannel) key.channel();
                        Conn conn = (Conn) key.attachment();
                        buffer.clear();
                        int n;
                        try {
                            n = channel.read(buffer);
                        } catch (IOException e) {
                            n = -1;
                        }
                        if (n < 0) {
                            if (conn.gotStatus) {
                                live.decrementAndGet();
                            }
                            key.cancel();
                            channel.close();
                            continue;
                        }
                        buffer.flip();
                        parse(conn, buffer);
                    }
                } catch (IOException | java.nio.channels.ClosedSelectorException e) {
                    return;
                }
            }
        }

        private void parse(Conn conn, ByteBuffer bytes) {
            long now = System.nanoTime();
            while (bytes.hasRemaining()) {
                byte b = bytes.get();
                if (conn.number >= 0) {
                    if (b >= '0' && b <= '9') {
                        conn.number = conn.number * 10 + (b - '0');
                        continue;
                    }
                    synchronized (latencies) {
                        latencies.add(now - conn.number);
                    }
                    conn.number = -1;
                }
                if (b == SENT[conn.matched]) {
                    conn.matched++;
                    if (conn.matched == SENT.length) {
                        conn.matched = 0;
                        conn.number = 0;
                    }
                } else {
                    conn.matched = b == SENT[0] ? 1 : 0;
                }
                if (b == '\n') {
                    conn.frameEnd++;
                    if (conn.frameEnd == 2) {
                        if (!conn.gotStatus) {
                            conn.gotStatus = true; // first blank line ends the headers or the retry line
                            live.incrementAndGet();
                        } else {
                            delivered.incrementAndGet();
                        }
                    }
                } else if (b != '\r') {
                    conn.frameEnd = 0;
                }
            }
        }

        @Override
        public void close() throws IOException {
            running = false;
            selector.wakeup();
            try {
                thread.join(1_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            for (SelectionKey key : selector.keys()) {
                key.channel().close();
            }
            selector.close();
        }
    }
}
