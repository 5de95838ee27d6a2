package io.sserouter.system.bench;

import io.sserouter.testkit.KafkaBroker;
import io.sserouter.testkit.RedisProcess;
import io.sserouter.topology.TopologyApp;
import io.sserouter.topology.TopologySettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;

/**
 * What a topology restart costs as the state store grows. The store keeps every execution for
 * {@code SSE_STATE_RETENTION_SECONDS} (25 h) after it finished, so its size is the executions of about a day. For each
 * size: a backlog of that many executions (ten events each) is processed, the instance stops cleanly, and it is
 * started twice more: with its state directory (Kafka Streams finds its checkpoint and restores nothing), and with an
 * empty one, which restores the whole store from the changelog. The second is what a new instance pays, and what an
 * instance restarted after a crash under exactly-once pays without standby replicas (its local state cannot be trusted).
 * Each start is timed from the call to Kafka Streams {@code RUNNING}, in this JVM (no process start).
 */
public final class RestoreBench {
    private static final Duration PROCESS_TIMEOUT = Duration.ofMinutes(20);

    private record Row(long executions, long changelogRecords, double changelogMb, double processSeconds, double withStateSeconds,
                       double fromChangelogSeconds) {
    }

    private RestoreBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = BenchKit.options(args);
        List<Integer> sizes = BenchKit.integers(opts.getOrDefault("executions", "20000,100000"));
        int partitions = Integer.parseInt(opts.getOrDefault("partitions", "4"));
        int threads = Integer.parseInt(opts.getOrDefault("threads", "2"));
        List<Row> rows = new ArrayList<>();
        try (KafkaBroker kafka = KafkaBroker.start(); RedisProcess redis = RedisProcess.start();
             KafkaProducer<String, byte[]> producer = BenchKit.producer(kafka.bootstrapServers())) {
            for (int executions : sizes) {
                rows.add(measure(kafka, redis, producer, executions, partitions, threads));
            }
        }
        report(rows, opts.getOrDefault("results", "bench/results"));
        System.exit(0);
    }

    private static Row measure(KafkaBroker kafka, RedisProcess redis, KafkaProducer<String, byte[]> producer, int executions,
                               int partitions, int threads) throws Exception {
        String run = "r" + executions + "-";
        TopologyBench.Backlog backlog = TopologyBench.backlog(kafka, producer, run, partitions, (long) executions * Lifecycle.length());
        Map<String, String> env = TopologyBench.topologyEnv(kafka, redis, run, run, partitions, threads);
        String app = run + "app";
        Path stateDir = Files.createTempDirectory("sse-restore-bench-");
        env.put("KAFKA_APPLICATION_ID", app);
        env.put("KAFKA_STATE_DIR", stateDir.toString());
        // static membership, as in production: each start takes the stopped instance's place without a rebalance
        env.put("SSE_INSTANCE_ID", "restore-bench");

        System.out.printf("== %d executions (%d events): processing them%n", executions, backlog.events());
        long start = System.nanoTime();
        try (TopologyApp topology = TopologyApp.start(TopologySettings.fromEnv(env))) {
            awaitCommitted(kafka.bootstrapServers(), app, backlog.end());
        }
        double processSeconds = (System.nanoTime() - start) / 1e9;
        long[] changelog = changelog(kafka.bootstrapServers(), app + "-execution-status-changelog");
        System.out.printf("   processed in %.1f s; changelog of the execution store: %d updates, %.1f MB on disk%n",
                processSeconds, changelog[0], changelog[1] / 1e6);

        double withState = timeToRunning(env);
        System.out.printf("   start with its state directory (checkpoint): RUNNING after %.2f s%n", withState);
        deleteContents(stateDir);
        double fromChangelog = timeToRunning(env);
        System.out.printf("   start with an empty state directory (whole store from the changelog): RUNNING after %.2f s%n", fromChangelog);
        return new Row(executions, changelog[0], changelog[1] / 1e6, processSeconds, withState, fromChangelog);
    }

    private static double timeToRunning(Map<String, String> env) throws Exception {
        long start = System.nanoTime();
        try (TopologyApp topology = TopologyApp.start(TopologySettings.fromEnv(env))) {
            if (!topology.awaitRunning(PROCESS_TIMEOUT)) {
                throw new IllegalStateException("not RUNNING within " + PROCESS_TIMEOUT);
            }
            return (System.nanoTime() - start) / 1e9;
        }
    }

    /** Waits until the application's committed offsets reach the end of the backlog on every source partition. */
    private static void awaitCommitted(String bootstrap, String group, Map<TopicPartition, Long> end) throws Exception {
        long deadline = System.nanoTime() + PROCESS_TIMEOUT.toNanos();
        try (Admin admin = BenchKit.admin(bootstrap)) {
            while (System.nanoTime() < deadline) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
                boolean done = end.entrySet().stream().allMatch(e -> e.getValue() == 0
                        || (committed.get(e.getKey()) != null && committed.get(e.getKey()).offset() >= e.getValue()));
                if (done) {
                    return;
                }
                Thread.sleep(500);
            }
        }
        throw new IllegalStateException("the backlog was not processed within " + PROCESS_TIMEOUT);
    }

    /** Updates written (end offsets, transaction markers included) and bytes on disk (what compaction left) of a changelog topic. */
    private static long[] changelog(String bootstrap, String topic) throws Exception {
        try (Admin admin = BenchKit.admin(bootstrap)) {
            int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
            Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
            for (int p = 0; p < partitions; p++) {
                latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            long records = admin.listOffsets(latest).all().get().values().stream().mapToLong(o -> o.offset()).sum();
            List<Integer> brokers = admin.describeCluster().nodes().get().stream().map(n -> n.id()).toList();
            long bytes = 0;
            for (var dirs : admin.describeLogDirs(brokers).allDescriptions().get().values()) {
                for (var dir : dirs.values()) {
                    for (Map.Entry<TopicPartition, ReplicaInfo> replica : dir.replicaInfos().entrySet()) {
                        if (replica.getKey().topic().equals(topic)) {
                            bytes += replica.getValue().size();
                        }
                    }
                }
            }
            return new long[] {records, bytes};
        }
    }

    private static void deleteContents(Path dir) throws Exception {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).filter(p -> !p.equals(dir)).toList()) {
                Files.delete(p);
            }
        }
    }

    private static void report(List<Row> rows, String dir) throws Exception {
        System.out.println();
        System.out.println("| executions in the store | changelog updates | changelog MB on disk | start with its state s | start restoring the store s | restored MB/s |");
        System.out.println("|---|---|---|---|---|---|");
        List<List<Object>> csv = new ArrayList<>();
        for (Row r : rows) {
            // the restore's share of the start; on a noisy machine a small store's restore drowns in the start itself
            double restore = r.fromChangelogSeconds() - r.withStateSeconds();
            double rate = restore > 0.1 ? r.changelogMb() / restore : Double.NaN;
            System.out.printf("| %d | %d | %.1f | %.2f | %.2f | %s |%n", r.executions(), r.changelogRecords(), r.changelogMb(),
                    r.withStateSeconds(), r.fromChangelogSeconds(), Double.isNaN(rate) ? "n/a" : String.format("%.0f", rate));
            csv.add(List.of(r.executions(), r.changelogRecords(), r.changelogMb(), r.withStateSeconds(), r.fromChangelogSeconds(), rate));
        }
        BenchKit.writeCsv(dir, "topology-restore", List.of("executions", "changelog_updates", "changelog_mb_on_disk", "start_with_state_s",
                "start_restoring_s", "restored_mb_per_s"), csv);
    }
}
