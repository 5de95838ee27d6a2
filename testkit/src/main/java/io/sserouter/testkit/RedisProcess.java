package io.sserouter.testkit;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.HostAndPort;
import redis.embedded.core.ExecutableProvider;

/**
 * A real redis-server as a child process on a free port: Debian's binary when one is on PATH, otherwise the
 * one bundled in embedded-redis. Owning the process (rather than going through embedded-redis) lets tests
 * freeze it (SIGSTOP) and kill it.
 */
public final class RedisProcess implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private final List<String> command;
    private volatile Process process;
    private final int port;
    private final Path dir;

    private RedisProcess(List<String> command, Process process, int port, Path dir) {
        this.command = List.copyOf(command);
        this.process = process;
        this.port = port;
        this.dir = dir;
    }

    public static RedisProcess start() {
        return start(FreePorts.any());
    }

    public static RedisProcess start(int port) {
        return start(port, List.of());
    }

    /** A redis-server with further options, e.g. {@code --cluster-enabled yes} or {@code --replicaof host port}. */
    public static RedisProcess start(int port, List<String> options) {
        try {
            Path dir = Files.createTempDirectory("sse-redis-");
            List<String> command = new ArrayList<>(List.of(binary("redis-server").getAbsolutePath(),
                    "--port", String.valueOf(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                    "--protected-mode", "no", "--dir", dir.toString(), "--maxclients", "20000"));
            command.addAll(options);
            return launch(command, port, dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start redis-server", e);
        }
    }

    /**
     * A redis-sentinel with the given configuration lines (it rewrites its file, so each gets its own directory):
     * Debian's redis-sentinel when one is on PATH, otherwise redis-server in sentinel mode.
     */
    public static RedisProcess sentinel(int port, List<String> config) {
        try {
            Path dir = Files.createTempDirectory("sse-sentinel-");
            Path file = dir.resolve("sentinel.conf");
            List<String> lines = new ArrayList<>(List.of("port " + port, "bind 127.0.0.1", "protected-mode no", "dir " + dir));
            lines.addAll(config);
            Files.write(file, lines);
            File sentinel = onPath("redis-sentinel");
            List<String> command = sentinel != null ? List.of(sentinel.getAbsolutePath(), file.toString())
                    : List.of(binary("redis-server").getAbsolutePath(), file.toString(), "--sentinel");
            return launch(command, port, dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start redis-sentinel", e);
        }
    }

    private static RedisProcess launch(List<String> command, int port, Path dir) throws IOException {
        RedisProcess redis = new RedisProcess(command, spawn(command, dir), port, dir);
        redis.awaitPing(START_TIMEOUT);
        return redis;
    }

    private static Process spawn(List<String> command, Path dir) throws IOException {
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile()))
                .start();
    }

    /**
     * Starts a stopped (killed) server again, same port, options and directory: a cluster node finds its cluster
     * configuration there and rejoins. It comes back without data (nothing is persisted).
     */
    public void restart() {
        if (process.isAlive()) {
            throw new IllegalStateException("redis on port " + port + " is still running");
        }
        try {
            process = spawn(command, dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restart redis on port " + port, e);
        }
        awaitPing(START_TIMEOUT);
    }

    private static File binary(String name) throws IOException {
        File found = onPath(name);
        if (found != null) {
            return found;
        }
        File bundled = ExecutableProvider.newJarResourceProvider().get();
        bundled.setExecutable(true);
        return bundled;
    }

    private static File onPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            File candidate = new File(dir, name);
            if (candidate.canExecute()) {
                return candidate;
            }
        }
        return null;
    }

    public int port() {
        return port;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    public HostAndPort address() {
        return new HostAndPort("127.0.0.1", port);
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** {@code kill -9}: the server stops at once, without a word to its clients, replicas or peers. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public long pid() {
        return process.pid();
    }

    /** Freezes the server (SIGSTOP): connections stay open, nothing answers. */
    public void freeze() {
        signal("STOP");
    }

    public void thaw() {
        signal("CONT");
    }

    private void signal(String name) {
        if (!process.isAlive()) {
            return;
        }
        try {
            new ProcessBuilder("kill", "-" + name, String.valueOf(pid())).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void awaitPing(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server exited at start: " + log());
            }
            try (Socket socket = new Socket("127.0.0.1", port)) {
                socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
                byte[] reply = new byte[7];
                if (socket.getInputStream().read(reply) > 0 && new String(reply, StandardCharsets.US_ASCII).startsWith("+PONG")) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            sleep(50);
        }
        close();
        throw new IllegalStateException("redis-server did not answer PING on port " + port + " within " + timeout);
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("redis.log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        thaw();
        process.destroy();
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
