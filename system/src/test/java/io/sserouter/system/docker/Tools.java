package io.sserouter.system.docker;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The programs the Docker checks drive for real, and the repository they check. */
public final class Tools {
    private Tools() {
    }

    /** The repository root (surefire runs in the module directory). */
    public static Path repository() {
        Path dir = Path.of("").toAbsolutePath();
        for (Path candidate = dir; candidate != null; candidate = candidate.getParent()) {
            if (Files.isRegularFile(candidate.resolve("docker/compose.yaml"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("no docker/compose.yaml above " + dir);
    }

    /** An executable from PATH (or one of {@code alsoAt}); fails the test, naming the fix, when it is missing. */
    public static Path require(String name, String... alsoAt) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        for (String path : alsoAt) {
            if (Files.isExecutable(Path.of(path))) {
                return Path.of(path);
            }
        }
        return fail(name + " is not installed; this test drives it for real. Run ./run-tests, which installs the missing"
                + " Debian packages (nginx, docker-compose, prometheus for promtool) before running the tests.");
    }

    public record Result(int exitCode, String out, String err) {
    }

    /** Runs a command to its end with exactly {@code env} (plus PATH), like a container gets only what it is given. */
    public static Result run(List<String> command, Path dir, Map<String, String> env, long timeoutSeconds) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
        builder.environment().clear();
        builder.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        builder.environment().putAll(env);
        Path out = Files.createTempFile("cmd", ".out");
        Path err = Files.createTempFile("cmd", ".err");
        try {
            Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                fail(String.join(" ", command) + " did not finish within " + timeoutSeconds + " s");
            }
            return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
