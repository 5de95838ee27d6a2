package io.sserouter.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sserouter.contract.RedisKeys;
import io.sserouter.testkit.ChildJvm;
import io.sserouter.testkit.FreePorts;
import io.sserouter.testkit.Infra;
import io.sserouter.testkit.PubSubRecorder;
import io.sserouter.testkit.RunEnv;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import redis.clients.jedis.Jedis;

/**
 * kill -9 of the topology JVM in the middle of a stream, then a restart: every execution ends with seqs 1..n,
 * each event logged once and published once. Real broker, real Redis, the real {@code Main} in a child JVM.
 */
class CrashRecoveryTest {
    private static final int EXECUTIONS = 150;

    private static long inRedis(Jedis redis, RedisKeys keys) {
        long total = 0;
        for (String key : redis.keys(keys.prefix() + "exec:*:status")) {
            total += io.sserouter.contract.Json.read(redis.get(key), com.fasterxml.jackson.databind.JsonNode.class).get("last_seq").asLong();
        }
        return total;
    }

    /** The real {@code Main}, as operators run it, on a port of its own; the restart appends to the same log. */
    private static ChildJvm topology(Map<String, String> env, Path log) {
        return new ChildJvm("topology", Main.class.getName(), List.of("-Xmx512m"), env, FreePorts.any(), log);
    }

    /**
     * Both paths under both guarantees. On the direct path (the topics created share SSE_PARTITIONS) every fifth
     * execution comes from a producer keying by owner: its records are rerouted through 'unified' by the task that
     * read them, a write that a crash may leave uncommitted (exactly-once) or repeat (at-least-once).
     */
    @ParameterizedTest
    @CsvSource({"exactly_once_v2,direct", "at_least_once,direct", "exactly_once_v2,repartition", "at_least_once,repartition"})
    void killedMidStreamAndRestartedEveryExecutionIsExact(String guarantee, String routing) throws Exception {
        String run = "crash-" + routing + "-" + guarantee.replace('_', '-') + "-";
        ExecutionWorkload workload = new ExecutionWorkload(run);
        Map<String, String> env = RunEnv.of(run);
        env.put("KAFKA_PROCESSING_GUARANTEE", guarantee);
        env.put("SSE_ROUTING", routing);
        env.put("KAFKA_COMMIT_INTERVAL_MS", guarantee.equals(TopologySettings.EXACTLY_ONCE) ? "100" : "1000");
        RedisKeys keys = new RedisKeys(run);
        Path log = Path.of("target", run + "topology.log");
        Files.deleteIfExists(log);

        try (PubSubRecorder published = new PubSubRecorder(java.net.URI.create(Infra.redis().url()), run + "exec:*");
             Jedis redis = new Jedis(java.net.URI.create(Infra.redis().url()));
             KafkaProducer<String, byte[]> producer = ExecutionWorkload.producer(Infra.kafka().bootstrapServers())) {
            ChildJvm first = topology(env, log).start();
            try {
                first.awaitReady(Duration.ofSeconds(90));
                // executions run concurrently: each round advances every execution by one step
                int steps = workload.steps();
                for (int step = 0; step < steps; step++) {
                    if (step == steps / 2) { // the earlier rounds in Redis first, so the kill hits a busy pipeline
                        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                        while (inRedis(redis, keys) < workload.total() && System.nanoTime() < deadline) {
                            Thread.sleep(50);
                        }
                    }
                    for (int e = 0; e < EXECUTIONS; e++) {
                        workload.send(producer, "x" + e, step, e % 5 == 4 ? ExecutionWorkload.BY_OWNER : ExecutionWorkload.BY_EXECUTION);
                    }
                    producer.flush();
                    if (step == steps / 2) {
                        first.kill(); // while it is busy with this round: some of it in Redis, some not committed
                        System.out.printf("%s: killed with %d of %d events in Redis%n", guarantee, inRedis(redis, keys), workload.total());
                    } else {
                        Thread.sleep(100);
                    }
                }
            } finally {
                first.close();
            }

            try (ChildJvm second = topology(env, log).start()) {
                second.awaitReady(Duration.ofSeconds(90));
                List<String> behind = workload.awaitComplete(redis, keys, Duration.ofSeconds(120));
                assertEquals(List.of(), behind, "executions not complete in Redis; topology log:\n" + second.tail());
                published.await("never", 1, Duration.ofSeconds(1)); // let stray repeats, if any, arrive
                assertEquals(List.of(), workload.verify(redis, keys, published));
                int exit = second.terminate(Duration.ofSeconds(40));
                assertTrue(exit == 0 || exit == 143, "exit code on SIGTERM: " + exit);
                assertTrue(Files.readString(log).contains("PENDING_SHUTDOWN -> NOT_RUNNING"), "Kafka Streams closed cleanly");
                assertTrue(Files.readString(log).contains(routing + " path"), "took the " + routing + " path");
            }
        }
    }
}
