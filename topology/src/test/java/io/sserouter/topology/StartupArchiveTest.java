package io.sserouter.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sserouter.contract.RedisKeys;
import io.sserouter.testkit.ChildJvm;
import io.sserouter.testkit.Infra;
import io.sserouter.testkit.RunEnv;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * The image's class-data archive, made by the build from {@code src/main/cds/topology.classlist}, serves the classes
 * an instance restarted after a crash loads until its executions flow again. A list gone stale (classes renamed or
 * added) costs nothing visible but the second or more that the archive saves every restart; this test names them.
 */
@Tag("packaged")
class StartupArchiveTest {
    private static final int EXECUTIONS = 20;
    /** Generated classes (lambda forms, proxies) are never archived; anything beyond a few percent is a stale list. */
    private static final double MOST_READ_OUTSIDE_ARCHIVE = 0.05;

    @Test
    void aRestartedInstanceTakesItsClassesFromTheArchive() throws Exception {
        String run = "startup-archive-";
        ExecutionWorkload workload = new ExecutionWorkload(run);
        RedisKeys keys = new RedisKeys(run);
        Map<String, String> env = new HashMap<>(RunEnv.of(run));
        env.put("SSE_INSTANCE_ID", "topology-a");
        Path log = Path.of("target", run + "topology.log");
        Path classLoads = Path.of("target", run + "class-load.log").toAbsolutePath();
        Files.deleteIfExists(log);
        Files.deleteIfExists(classLoads);
        int half = workload.steps() / 2;
        try (Jedis redis = new Jedis(URI.create(Infra.redis().url()));
             KafkaProducer<String, byte[]> producer = ExecutionWorkload.producer(Infra.kafka().bootstrapServers())) {
            try (ChildJvm first = PackagedTopology.instance("topology", List.of(), env, log).start()) {
                first.awaitReady(Duration.ofSeconds(120));
                for (int step = 0; step < half; step++) {
                    workload.sendRound(producer, "x", EXECUTIONS, step);
                }
                producer.flush();
                Thread.sleep(3_000);
                first.kill();
            }
            long launched = System.currentTimeMillis();
            try (ChildJvm restarted = PackagedTopology.instance("topology", List.of("-Xlog:class+load:file=" + classLoads), env, log).start()) {
                restarted.awaitReady(Duration.ofSeconds(120));
                long ready = System.currentTimeMillis() - launched;
                for (int step = half; step < workload.steps(); step++) {
                    workload.sendRound(producer, "x", EXECUTIONS, step);
                }
                producer.flush();
                assertEquals(List.of(), workload.awaitComplete(redis, keys, Duration.ofSeconds(60)), "executions behind; log:\n" + restarted.tail());
                int exit = restarted.terminate(Duration.ofSeconds(60)); // the list must cover the clean stop too
                assertTrue(exit == 0 || exit == 143, "exit code on SIGTERM: " + exit);

                List<String> loads = Files.readAllLines(classLoads).stream().filter(line -> line.contains(" source: ")).toList();
                List<String> read = loads.stream().filter(line -> line.contains(" source: file:") || line.contains(" source: jrt:"))
                        .map(line -> line.substring(line.indexOf(']', line.indexOf("[class,load]")) + 2, line.indexOf(" source: ")))
                        .toList();
                System.out.printf("restarted after kill -9: ready %d ms after its launch; %d of %d classes from the archive%n",
                        ready, loads.size() - read.size(), loads.size());
                assertTrue(read.size() <= loads.size() * MOST_READ_OUTSIDE_ARCHIVE, read.size() + " of " + loads.size()
                        + " classes read from the jar or the JDK instead of the archive (the class list is stale: run"
                        + " topology/src/main/cds/record), for example " + read.subList(0, Math.min(20, read.size())));
                // RocksDB loads a native library; the jar's manifest allows it, so Java 24+ has nothing to warn about
                List<String> warnings = Files.readAllLines(log).stream().filter(line -> line.startsWith("WARNING:")).toList();
                assertEquals(List.of(), warnings, "the JVM warned at start");
            }
        }
    }
}
