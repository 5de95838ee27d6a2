package io.sserouter.system.docker;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What a container of one of the project's images would run, without Docker: the runtime stage's ENTRYPOINT and
 * HEALTHCHECK commands with the image's paths mapped to the jars {@code mvn package} built, this JVM's
 * {@code java}, and only the image's ENV plus the service's environment.
 */
public final class ImageProcess implements AutoCloseable {
    private final Dockerfile dockerfile;
    private final Path repository;
    private final Map<String, String> env;
    private final Path log;
    private Process process;

    public ImageProcess(Path repository, Dockerfile dockerfile, Map<String, String> serviceEnv, Path log) {
        this.repository = repository;
        this.dockerfile = dockerfile;
        this.env = new LinkedHashMap<>(dockerfile.env());
        this.env.putAll(serviceEnv);
        this.log = log;
    }

    /** An exec-form command of the image, runnable here. */
    public static List<String> localCommand(Path repository, Dockerfile dockerfile, List<String> command) {
        Map<String, String> copied = dockerfile.copiedFromBuild();
        List<String> local = new ArrayList<>();
        for (String arg : command) {
            if (local.isEmpty() && arg.equals("java")) {
                local.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            } else if (copied.containsKey(arg)) {
                local.add(repository.resolve(copied.get(arg)).toString());
            } else {
                local.add(arg);
            }
        }
        return local;
    }

    public List<String> entrypoint() {
        return localCommand(repository, dockerfile, Dockerfile.execForm(Dockerfile.last(dockerfile.runtime(), "ENTRYPOINT").orElseThrow()).orElseThrow());
    }

    /** Runs the HEALTHCHECK command once, as Docker would inside the container: its exit code. */
    public int probe() throws IOException, InterruptedException {
        String healthcheck = Dockerfile.last(dockerfile.runtime(), "HEALTHCHECK").orElseThrow();
        assertTrue(healthcheck.matches("(--\\S+\\s+)*CMD\\s+\\[.*"), "HEALTHCHECK [options] CMD [...]: " + healthcheck);
        List<String> command = Dockerfile.execForm(healthcheck).orElseThrow();
        return Tools.run(localCommand(repository, dockerfile, command), repository, env, 30).exitCode();
    }

    public void start() throws IOException {
        ProcessBuilder builder = new ProcessBuilder(entrypoint()).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().clear();
        builder.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        builder.environment().putAll(env);
        Files.createDirectories(log.getParent());
        process = builder.start();
    }

    /** Polls the HEALTHCHECK command until it passes, as compose's {@code service_healthy} does. */
    public void awaitHealthy(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("the process exited with " + process.exitValue() + ":\n" + Files.readString(log));
            }
            if (probe() == 0) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the HEALTHCHECK did not pass within " + timeout + ":\n" + Files.readString(log));
    }

    /** What {@code docker stop} sends first. */
    public void terminate() {
        process.destroy();
    }

    /** The exit code, or -1 if the process is still running after {@code timeout} (then it is killed). */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            return process.exitValue();
        }
        process.destroyForcibly().waitFor();
        return -1;
    }

    public String output() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
