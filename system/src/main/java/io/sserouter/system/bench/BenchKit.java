package io.sserouter.system.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** What the benchmarks share: options, topics, the producer, percentiles, CPU accounting and the CSV files. */
final class BenchKit {
    private BenchKit() {
    }

    /** {@code --name=value} arguments; anything else is ignored. */
    static Map<String, String> options(String[] args) {
        Map<String, String> opts = new HashMap<>();
        for (String arg : args) {
            if (arg.startsWith("--") && arg.contains("=")) {
                opts.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
            }
        }
        return opts;
    }

    static List<Integer> integers(String commaSeparated) {
        return commaSeparated.isBlank() ? List.of()
                : Arrays.stream(commaSeparated.split(",")).map(String::trim).map(Integer::parseInt).toList();
    }

    static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 2);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 64 << 10);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    }

    static void createTopics(String bootstrap, List<String> names, int partitions) throws Exception {
        try (Admin admin = admin(bootstrap)) {
            admin.createTopics(names.stream().map(n -> new NewTopic(n, partitions, (short) 1)).toList()).all().get();
            awaitLeaders(admin, names);
        }
    }

    /** Producing to a partition before its leader is known makes the idempotent producer retry for minutes here. */
    private static void awaitLeaders(Admin admin, List<String> topics) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                boolean ready = admin.describeTopics(topics).allTopicNames().get().values().stream()
                        .allMatch(d -> d.partitions().stream().allMatch(p -> p.leader() != null && p.leader().id() >= 0));
                if (ready) {
                    return;
                }
            } catch (java.util.concurrent.ExecutionException notYetKnown) {
                // metadata not propagated yet
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("topics have no leader after 30 s: " + topics);
    }

    /** The next offset of every partition of these topics: what a reader has to reach to have read them whole. */
    static Map<TopicPartition, Long> endOffsets(String bootstrap, List<String> topics, int partitions) throws Exception {
        Map<TopicPartition, OffsetSpec> ask = new HashMap<>();
        for (String topic : topics) {
            for (int p = 0; p < partitions; p++) {
                ask.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
        }
        try (Admin admin = admin(bootstrap)) {
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> found = admin.listOffsets(ask).all().get();
            return found.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
        }
    }

    static double percentileMs(List<Long> sortedNanos, double p) {
        if (sortedNanos.isEmpty()) {
            return Double.NaN;
        }
        return sortedNanos.get((int) Math.min(sortedNanos.size() - 1, Math.ceil(p * sortedNanos.size()) - 1)) / 1e6;
    }

    /** Child processes whose CPU time counts as a component of their own (e.g. the Redis server). */
    private static final Map<String, Long> CHILD_PROCESSES = new java.util.concurrent.ConcurrentHashMap<>();

    /** Counts the CPU time of process {@code pid} as the component {@code name} in {@link #cpuByComponent}. */
    static void countCpuOf(String name, long pid) {
        CHILD_PROCESSES.put(name, pid);
    }

    /** CPU time of this JVM's threads, grouped by what they belong to, and of the child processes counted apart. */
    static Map<String, Long> cpuByComponent() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Map<String, Long> out = new TreeMap<>();
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            long cpu = threads.getThreadCpuTime(info.getThreadId());
            String name = info.getThreadName();
            String component = name.contains("StreamThread") && name.contains("producer") ? "streams producer I/O"
                    : name.contains("StreamThread") && name.contains("consumer") ? "streams consumer I/O"
                    : name.contains("StreamThread") ? "stream threads"
                    : name.startsWith("raw-pipe") ? "raw pipe threads"
                    : name.startsWith("sse-router-redis-writer") ? "Redis writers"
                    : name.contains("kafka-producer-network-thread") ? "bench producer"
                    : name.contains("bench-subscriber") ? "bench subscriber"
                    : name.equals("main") ? "bench main"
                    : name.startsWith("data-plane") || name.contains("kafka") || name.contains("raft") || name.contains("quorum")
                      || name.contains("coordinator") || name.contains("Txn") || name.contains("ReplicaFetcher") || name.contains("broker") ? "broker"
                    : "other";
            out.merge(component, Math.max(0, cpu), Long::sum);
        }
        CHILD_PROCESSES.forEach((component, pid) -> {
            try {
                out.put(component, ProcStats.cpuTicks(List.of(pid)) * 10_000_000L); // ticks of 10 ms
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        return out;
    }

    static void printCpu(Map<String, Long> before, long events) {
        Map<String, Long> after = cpuByComponent();
        StringBuilder line = new StringBuilder("   CPU µs per event:");
        after.forEach((component, ns) -> {
            long delta = ns - before.getOrDefault(component, 0L);
            if (delta > 0) {
                line.append(String.format(" %s %.0f;", component, delta / 1e3 / events));
            }
        });
        System.out.println(line);
    }

    /** Writes {@code DIR/NAME-UTCSTAMP.csv} for plotting; the Markdown tables on stdout are for reading. */
    static Path writeCsv(String dir, String name, List<String> header, List<List<Object>> rows) throws IOException {
        Path folder = Path.of(dir);
        Files.createDirectories(folder);
        String stamp = ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'"));
        Path file = folder.resolve(name + "-" + stamp + ".csv");
        List<String> lines = new ArrayList<>();
        lines.add(String.join(",", header));
        for (List<Object> row : rows) {
            lines.add(row.stream().map(BenchKit::csvCell).collect(Collectors.joining(",")));
        }
        Files.write(file, lines, StandardCharsets.UTF_8);
        System.out.println("Figures written to " + file);
        return file;
    }

    private static String csvCell(Object value) {
        if (value instanceof Double d) {
            return d.isNaN() ? "" : String.format(java.util.Locale.ROOT, "%.3f", d);
        }
        String text = String.valueOf(value);
        return text.contains(",") || text.contains("\"") ? "\"" + text.replace("\"", "\"\"") + "\"" : text;
    }
}
