package io.sserouter.system.fault;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Debian's nginx as a child process in front of the edges, configured the way SSE needs it: no response buffering,
 * HTTP/1.1 upstream connections without {@code Connection: close}, a read timeout far above the heartbeat, and a
 * failed or draining (503) edge skipped for the next one.
 */
public final class Nginx implements AutoCloseable {
    public static final Path BINARY = Path.of("/usr/sbin/nginx");

    private final Process process;
    private final int port;
    private final Path dir;

    private Nginx(Process process, int port, Path dir) {
        this.process = process;
        this.port = port;
        this.dir = dir;
    }

    public static boolean available() {
        return Files.isExecutable(BINARY);
    }

    static String config(Path dir, int port, List<Integer> edgePorts) {
        String servers = edgePorts.stream().map(p -> "    server 127.0.0.1:" + p + " max_fails=1 fail_timeout=2s;")
                .collect(Collectors.joining("\n"));
        return """
                daemon off;
                worker_processes 1;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log warn;
                events { worker_connections 8192; }
                http {
                  access_log off;
                  client_body_temp_path %1$s/body;
                  proxy_temp_path %1$s/proxy;
                  fastcgi_temp_path %1$s/fastcgi;
                  uwsgi_temp_path %1$s/uwsgi;
                  scgi_temp_path %1$s/scgi;
                  upstream edges {
                %2$s
                    keepalive 64;
                  }
                  server {
                    listen 127.0.0.1:%3$d;
                    location / {
                      proxy_pass http://edges;
                      proxy_http_version 1.1;
                      proxy_set_header Connection "";
                      proxy_buffering off;
                      proxy_cache off;
                      proxy_read_timeout 1h;
                      proxy_connect_timeout 2s;
                      proxy_next_upstream error timeout http_502 http_503;
                      proxy_next_upstream_tries 2;
                    }
                  }
                }
                """.formatted(dir, servers, port);
    }

    public static Nginx start(int port, List<Integer> edgePorts) {
        try {
            Path dir = Files.createTempDirectory("sse-nginx-");
            Path conf = dir.resolve("nginx.conf");
            Files.writeString(conf, config(dir, port, edgePorts));
            Process process = new ProcessBuilder(List.of(BINARY.toString(), "-p", dir.toString(), "-e", dir.resolve("error.log").toString(),
                    "-c", conf.toString()))
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("stdout.log").toFile())
                    .start();
            Nginx nginx = new Nginx(process, port, dir);
            nginx.awaitListening(Duration.ofSeconds(10));
            return nginx;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start nginx", e);
        }
    }

    public int port() {
        return port;
    }

    private void awaitListening(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("nginx exited at start: " + errorLog());
            }
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
        throw new IllegalStateException("nginx not listening on " + port + " within " + timeout + ": " + errorLog());
    }

    public String errorLog() {
        try {
            return Files.readString(dir.resolve("error.log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public void close() {
        process.destroy(); // SIGTERM: fast shutdown of the master and its worker
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }
}
