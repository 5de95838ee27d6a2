package io.sserouter.testkit;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
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
import java.util.concurrent.TimeUnit;

/**
 * A deployable's {@code Main} in its own JVM, as operators run it: configured by environment variables only, so
 * that nothing the test JVM set up leaks in, and a process of its own, so that {@code kill -9} skips every
 * shutdown hook, flush and commit, and SIGTERM takes the path a container stop takes. The HTTP port stays the same
 * across restarts, where a load balancer expects the instance, and every run appends to one log.
 */
public final class ChildJvm implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    /** Run with the test JVM's class path ({@code -cp}); null when {@link #jar} is run ({@code -jar}). */
    private final String mainClass;
    private final Path jar;
    private final List<String> jvmOptions;
    private final Map<String, String> env;
    private final int httpPort;
    private final Path log;
    private volatile Process process;

    /**
     * @param jvmOptions options before the class path, such as {@code -Xmx512m}
     * @param env        the whole environment but PATH; {@code SSE_HTTP_PORT} is set to {@code httpPort}
     * @param log        where its output goes, appended to
     */
    public ChildJvm(String name, String mainClass, List<String> jvmOptions, Map<String, String> env, int httpPort, Path log) {
        this(name, mainClass, null, jvmOptions, env, httpPort, log);
    }

    /**
     * A deployable's runnable jar ({@code java -jar}), as its image starts it: for what only the packaged form has,
     * such as a class-data archive made for that jar.
     */
    public static ChildJvm packaged(String name, Path jar, List<String> jvmOptions, Map<String, String> env, int httpPort, Path log) {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar.toAbsolutePath() + " not found: it is built in the package phase (mvn verify)");
        }
        return new ChildJvm(name, null, jar, jvmOptions, env, httpPort, log);
    }

    private ChildJvm(String name, String mainClass, Path jar, List<String> jvmOptions, Map<String, String> env, int httpPort, Path log) {
        this.name = name;
        this.mainClass = mainClass;
        this.jar = jar;
        this.jvmOptions = List.copyOf(jvmOptions);
        this.env = new HashMap<>(env);
        this.env.put("SSE_HTTP_PORT", String.valueOf(httpPort));
        this.httpPort = httpPort;
        this.log = log;
    }

    public String name() {
        return name;
    }

    public int port() {
        return httpPort;
    }

    /**
     * The test JVM's class path without the test classes: the deployable runs its own code and its own logging
     * configuration, not the tests' {@code logback-test.xml}, and starts as fast as it does in production.
     */
    private static String productClassPath() {
        List<String> entries = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!Path.of(entry).endsWith("test-classes")) {
                entries.add(entry);
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    /** Starts it (with the test JVM's class path less the test classes, unless packaged); again after it stopped. */
    public synchronized ChildJvm start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is already running");
        }
        try {
            Path parent = log.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(jvmOptions);
            command.addAll(jar != null ? List.of("-jar", jar.toAbsolutePath().toString()) : List.of("-cp", productClassPath(), mainClass));
            ProcessBuilder pb = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            pb.environment().clear();
            pb.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
            pb.environment().putAll(env);
            process = pb.start();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until {@code /health/ready} answers 200. */
    public void awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Process p = process;
            if (p == null || !p.isAlive()) {
                throw new IllegalStateException(name + " exited" + (p == null ? "" : " with " + p.exitValue()) + "; log:\n" + tail());
            }
            try {
                HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/health/ready"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException(name + " not ready within " + timeout + "; log:\n" + tail());
    }

    /** kill -9: no shutdown hook, no flush, no commit. */
    public void kill() throws InterruptedException {
        Process p = process;
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM, and the exit code once the process is gone. */
    public int terminate(Duration timeout) throws InterruptedException {
        Process p = process;
        p.destroy();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(name + " did not stop within " + timeout + " of SIGTERM");
        }
        return p.exitValue();
    }

    /** The Prometheus text of {@code /metrics}, or an empty string when it does not answer. */
    public String metrics() {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/metrics")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** The last 40 lines of its log. */
    public String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public void close() {
        Process p = process;
        if (p != null && p.isAlive()) {
            p.destroyForcibly();
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
