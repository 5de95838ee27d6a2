package io.sserouter.system.bench;

import io.sserouter.testkit.FreePorts;
import io.sserouter.testkit.RedisProcess;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * nginx with the nchan module as a child process ({@code daemon off}, its own prefix and configuration in a temp
 * dir, a free port): publishers POST to {@code /pub/{channel}}, subscribers read {@code /sub/{channel}} as
 * EventSource. Messages are kept either in nchan's shared memory or in the bench's Redis.
 */
final class NchanServer implements ServerUnderTest {
    static final Path MODULE = Path.of("/usr/lib/nginx/modules/ngx_nchan_module.so");

    private final RedisProcess redis; // null: nchan's in-memory storage
    private final int workers;
    private Path dir;
    private Process process;
    private int port;

    NchanServer(RedisProcess redis, int workers) {
        this.redis = redis;
        this.workers = workers;
    }

    @Override
    public String name() {
        return redis == null ? "nchan-memory" : "nchan-redis";
    }

    @Override
    public String description() {
        return "nginx " + workers + " workers, nchan " + (redis == null ? "in-memory storage" : "Redis storage")
                + ", publish by HTTP POST, EventSource subscribers";
    }

    void start() throws Exception {
        port = FreePorts.any();
        dir = Files.createTempDirectory("nchan-bench-");
        Files.createDirectories(dir.resolve("logs"));
        Files.createDirectories(dir.resolve("tmp"));
        Path conf = dir.resolve("nginx.conf");
        Files.writeString(conf, config());
        process = new ProcessBuilder("nginx", "-p", dir.toString(), "-c", conf.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("logs/stdout.log").toFile()).start();
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (true) {
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress("127.0.0.1", port), 200);
                break;
            } catch (IOException notYet) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("nginx did not start: " + Files.readString(dir.resolve("logs/error.log")));
                }
                Thread.sleep(50);
            }
        }
        while (pids().size() < workers + 1 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        // with Redis storage a publish fails until the workers have connected to Redis
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest probe = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/pub/ready-probe"))
                .timeout(java.time.Duration.ofSeconds(2)) // a publish can hang while the workers connect to Redis
                .POST(HttpRequest.BodyPublishers.ofString("probe")).build();
        while (!accepted(http, probe)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("nchan does not take publishes: " + Files.readString(dir.resolve("logs/error.log")));
            }
            Thread.sleep(100);
        }
    }

    private static boolean accepted(HttpClient http, HttpRequest probe) throws IOException, InterruptedException {
        try {
            return http.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode() / 100 == 2;
        } catch (java.net.http.HttpTimeoutException notYet) {
            return false;
        }
    }

    private String config() {
        // the message buffer and first message mirror the edge: up to 1,000 retained per channel, a new subscriber
        // gets what comes next
        String storage = redis == null ? "" : "nchan_redis_pass bench_redis;";
        String channel = "nchan_channel_id $1; nchan_message_buffer_length 1000; nchan_message_timeout 1h; " + storage;
        return """
                load_module %s;
                daemon off;
                worker_processes %d;
                worker_rlimit_nofile 20000;
                pid nginx.pid;
                error_log logs/error.log warn;
                events { worker_connections 19500; }
                http {
                  access_log off;
                  client_body_temp_path tmp/body; proxy_temp_path tmp/proxy; fastcgi_temp_path tmp/fastcgi;
                  uwsgi_temp_path tmp/uwsgi; scgi_temp_path tmp/scgi;
                  nchan_shared_memory_size 512m;
                  %s
                  server {
                    listen 127.0.0.1:%d backlog=4096;
                    keepalive_requests 100000000;
                    location ~ ^/pub/(.+)$ { nchan_publisher http; %s }
                    location ~ ^/sub/(.+)$ { nchan_subscriber eventsource; nchan_subscriber_first_message newest; %s }
                  }
                }
                """.formatted(MODULE, workers, redis == null ? "" : "upstream bench_redis { nchan_redis_server " + redis.url() + "; }",
                port, channel, channel);
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public List<Long> pids() {
        List<Long> pids = new ArrayList<>();
        pids.add(process.pid());
        process.children().forEach(child -> pids.add(child.pid()));
        return pids;
    }

    @Override
    public void prepare(int channels) throws Exception {
        try (HttpPublisher publisher = new HttpPublisher(port, "/pub/", 1000)) {
            long[] next = new long[channels];
            publisher.publishRound(channels, next);
            awaitAnswers(publisher, channels);
        }
    }

    private static void awaitAnswers(HttpPublisher publisher, int count) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (publisher.answered() < count && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        if (publisher.failed() > 0) {
            throw new IllegalStateException(publisher.failed() + " nchan publishes failed");
        }
    }

    @Override
    public String subscribeRequest(int connection, int channel) {
        return "GET /sub/b" + channel + " HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n";
    }

    @Override
    public Publisher publisher() throws IOException {
        return new HttpPublisher(port, "/pub/", 2_000);
    }

    @Override
    public void close() throws Exception {
        if (process != null) {
            process.destroy(); // SIGTERM: nginx's fast shutdown, workers included
            process.waitFor();
        }
    }
}
