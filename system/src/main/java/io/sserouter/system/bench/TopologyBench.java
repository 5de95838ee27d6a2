package io.sserouter.system.bench;

import io.sserouter.testkit.KafkaBroker;
import io.sserouter.testkit.RedisProcess;
import io.sserouter.topology.TopologyApp;
import io.sserouter.topology.TopologySettings;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;

/**
 * Topology benchmark: a real broker and a real Redis on this machine, the topology in this JVM.
 * <ol>
 *   <li>throughput: a backlog of events is written to the source topics, then the topology drains it into
 *       Redis (log + snapshot + publish); events/s = events / time from start of processing to the last publish;</li>
 *   <li>latency: events produced at a fixed rate; produce-to-publish time measured by a Redis subscriber.</li>
 * </ol>
 * Both for each processing guarantee and each thread count asked for.
 */
public final class TopologyBench {
    private static final String[][] LIFECYCLE = {
            {"execution_events", "execution_requested"}, {"execution_events", "execution_queued"},
            {"pod_events", "pod_created"}, {"pod_events", "pod_scheduled"}, {"pod_events", "pod_running"},
            {"execution_events", "execution_started"}, {"pod_events", "pod_succeeded"},
            {"execution_events", "execution_completed"}, {"execution_results", "result_stored"}, {"execution_events", "custom_log"}};

    record Result(String guarantee, int threads, long events, double seconds, double eventsPerSecond,
                  int rate, long latencySamples, double p50ms, double p99ms, double maxMs) {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = options(args);
        long events = Long.parseLong(opts.getOrDefault("events", "100000"));
        int rate = Integer.parseInt(opts.getOrDefault("rate", "1000"));
        int latencySeconds = Integer.parseInt(opts.getOrDefault("latency-seconds", "10"));
        int partitions = Integer.parseInt(opts.getOrDefault("partitions", "8"));
        List<Integer> threads = Arrays.stream(opts.getOrDefault("threads", "1,2").split(",")).map(Integer::parseInt).toList();
        List<String> guarantees = Arrays.asList(opts.getOrDefault("guarantees", "exactly_once_v2,at_least_once").split(","));

        List<Result> results = new ArrayList<>();
        try (KafkaBroker kafka = KafkaBroker.start(); RedisProcess redis = RedisProcess.start()) {
            int run = 0;
            long warmup = Long.parseLong(opts.getOrDefault("warmup", "30000"));
            if (warmup > 0) { // the first round in a JVM runs cold (JIT, RocksDB, page cache): not a figure to report
                System.out.printf("== warm-up round (%d events, not reported)%n", warmup);
                runOne("w-", kafka, redis, guarantees.get(0), threads.get(0), partitions, warmup, rate, 1);
            }
            for (String guarantee : guarantees) {
                for (int t : threads) {
                    results.add(runOne("b" + (++run) + "-", kafka, redis, guarantee, t, partitions, events, rate, latencySeconds));
                }
            }
        }
        System.out.println();
        System.out.println("| guarantee | stream threads | backlog events | drain s | events/s into Redis | paced rate ev/s | latency samples | p50 ms | p99 ms | max ms |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|");
        for (Result r : results) {
            System.out.printf("| %s | %d | %d | %.1f | %.0f | %d | %d | %.1f | %.1f | %.1f |%n", r.guarantee(), r.threads(), r.events(),
                    r.seconds(), r.eventsPerSecond(), r.rate(), r.latencySamples(), r.p50ms(), r.p99ms(), r.maxMs());
        }
        System.exit(0);
    }

    private static Result runOne(String run, KafkaBroker kafka, RedisProcess redis, String guarantee, int threads, int partitions,
                                 long events, int rate, int latencySeconds) throws Exception {
        System.out.printf("== %s, %d stream threads: writing a backlog of %d events%n", guarantee, threads, events);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            List<NewTopic> topics = new ArrayList<>();
            for (String base : List.of("execution_events", "pod_events", "execution_results", "notification_events", "system_events", "dlq")) {
                topics.add(new NewTopic(run + base, partitions, (short) 1));
            }
            admin.createTopics(topics).all().get();
            awaitLeaders(admin, topics.stream().map(NewTopic::name).toList());
        }
        AtomicLong received = new AtomicLong();
        List<Long> latencies = new ArrayList<>();
        CountDownLatch subscribed = new CountDownLatch(1);
        boolean[] measuring = {false};
        JedisPubSub sub = new JedisPubSub() {
            @Override
            public void onPSubscribe(String pattern, int count) {
                subscribed.countDown();
            }

            @Override
            public void onPMessage(String pattern, String channel, String message) {
                received.incrementAndGet();
                if (measuring[0]) {
                    int at = message.indexOf("\"sent_ns\":");
                    if (at > 0) {
                        int end = at + 10;
                        while (end < message.length() && Character.isDigit(message.charAt(end))) {
                            end++;
                        }
                        long sent = Long.parseLong(message.substring(at + 10, end));
                        synchronized (latencies) {
                            latencies.add(System.nanoTime() - sent);
                        }
                    }
                }
            }
        };
        Thread subscriber = new Thread(() -> {
            try (Jedis jedis = new Jedis(URI.create(redis.url()))) {
                jedis.psubscribe(sub, run + "exec:*");
            } catch (RuntimeException ignored) {
                // unsubscribed
            }
        }, "bench-subscriber");
        subscriber.setDaemon(true);
        subscriber.start();
        subscribed.await(10, TimeUnit.SECONDS);

        long executions = events / LIFECYCLE.length;
        long total = executions * LIFECYCLE.length;
        try (KafkaProducer<String, byte[]> producer = producer(kafka.bootstrapServers())) {
            warmUp(producer, run, partitions);
            for (int step = 0; step < LIFECYCLE.length; step++) {
                for (long e = 0; e < executions; e++) {
                    send(producer, run, "x" + e, step, false);
                }
            }
            producer.flush();

            Map<String, String> env = new HashMap<>();
            // tuning under test can be passed as the usual variables, e.g. KAFKA_COMMIT_INTERVAL_MS=50 bench/run
            System.getenv().forEach((k, v) -> {
                if ((k.startsWith("KAFKA_") || k.startsWith("SSE_")) && !k.equals("KAFKA_PROCESSING_GUARANTEE")) {
                    env.put(k, v);
                }
            });
            env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
            env.put("KAFKA_APPLICATION_ID", run + "app");
            env.put("KAFKA_PROCESSING_GUARANTEE", guarantee);
            env.put("KAFKA_STATE_DIR", Files.createTempDirectory("sse-bench-").toString());
            env.put("REDIS_URL", redis.url());
            env.put("SSE_REDIS_PREFIX", run);
            env.put("SSE_SOURCE_TOPICS", run + "execution_events," + run + "pod_events," + run + "execution_results");
            env.put("SSE_NOTIFICATION_TOPIC", run + "notification_events");
            env.put("SSE_SYSTEM_TOPIC", run + "system_events");
            env.put("SSE_DLQ_TOPIC", run + "dlq");
            env.put("SSE_PARTITIONS", String.valueOf(partitions));
            env.put("SSE_CONSUMER_POOL_SIZE", String.valueOf(threads));
            env.put("SSE_HTTP_PORT", "0");
            Map<String, Long> cpuBefore = cpuByComponent();
            long start = System.nanoTime();
            try (TopologyApp app = TopologyApp.start(TopologySettings.fromEnv(env))) {
                long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
                long firstAt = 0;
                while (received.get() < total && System.nanoTime() < deadline) {
                    if (firstAt == 0 && received.get() > 0) {
                        firstAt = System.nanoTime();
                    }
                    Thread.sleep(5);
                }
                double seconds = (System.nanoTime() - (firstAt == 0 ? start : firstAt)) / 1e9;
                printCpu(cpuBefore, total);
                System.out.printf("   drained %d events in %.1f s (%.0f events/s; start-up to first publish %.1f s)%n",
                        received.get(), seconds, received.get() / seconds, ((firstAt == 0 ? start : firstAt) - start) / 1e9);

                System.out.printf("   latency: %d events/s for %d s%n", rate, latencySeconds);
                measuring[0] = true;
                long paced = (long) rate * latencySeconds;
                long interval = 1_000_000_000L / rate;
                long t0 = System.nanoTime();
                for (long i = 0; i < paced; i++) {
                    long due = t0 + i * interval;
                    while (System.nanoTime() < due) {
                        Thread.onSpinWait();
                    }
                    send(producer, run, "l" + (i / LIFECYCLE.length), (int) (i % LIFECYCLE.length), true);
                }
                producer.flush();
                long latencyDeadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (latencies.size() < paced && System.nanoTime() < latencyDeadline) {
                    Thread.sleep(20);
                }
                sub.punsubscribe();
                List<Long> sorted;
                synchronized (latencies) {
                    sorted = new ArrayList<>(latencies);
                }
                sorted.sort(Long::compare);
                return new Result(guarantee, threads, received.get() - sorted.size(), seconds, (total) / seconds, rate, sorted.size(),
                        percentile(sorted, 0.50), percentile(sorted, 0.99), sorted.isEmpty() ? Double.NaN : sorted.get(sorted.size() - 1) / 1e6);
            }
        }
    }

    /** CPU time of this JVM's threads, grouped by what they belong to (all parts run in this one process). */
    private static Map<String, Long> cpuByComponent() {
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        Map<String, Long> out = new java.util.TreeMap<>();
        for (java.lang.management.ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            long cpu = threads.getThreadCpuTime(info.getThreadId());
            String name = info.getThreadName();
            String component = name.contains("StreamThread") && name.contains("producer") ? "streams producer I/O"
                    : name.contains("StreamThread") && name.contains("consumer") ? "streams consumer I/O"
                    : name.contains("StreamThread") ? "stream threads"
                    : name.contains("kafka-producer-network-thread") ? "bench producer"
                    : name.contains("bench-subscriber") ? "bench subscriber"
                    : name.equals("main") ? "bench main"
                    : name.startsWith("data-plane") || name.contains("kafka") || name.contains("raft") || name.contains("quorum")
                      || name.contains("coordinator") || name.contains("Txn") || name.contains("ReplicaFetcher") || name.contains("broker") ? "broker"
                    : "other";
            out.merge(component, Math.max(0, cpu), Long::sum);
        }
        return out;
    }

    private static void printCpu(Map<String, Long> before, long events) {
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

    /**
     * One record per partition, each acknowledged before the next: on a partition whose leader is brand new, a burst
     * of idempotent batches can have its first batch refused and the later ones accepted, which then leaves the
     * producer retrying an out-of-order sequence forever. The warm-up records are not JSON, so they are dead-lettered.
     */
    private static void warmUp(KafkaProducer<String, byte[]> producer, String run, int partitions) throws Exception {
        for (String base : List.of("execution_events", "pod_events", "execution_results")) {
            for (int p = 0; p < partitions; p++) {
                producer.send(new ProducerRecord<>(run + base, p, null, "warm-up".getBytes(StandardCharsets.UTF_8))).get();
            }
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

    private static double percentile(List<Long> sorted, double p) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(p * sorted.size()) - 1)) / 1e6;
    }

    private static void send(KafkaProducer<String, byte[]> producer, String run, String id, int step, boolean stamped) {
        String json = "{\"event_type\":\"" + LIFECYCLE[step][1] + "\",\"execution_id\":\"" + id + "\",\"event_id\":\"" + id + "-" + step
                + "\",\"timestamp\":\"2026-11-24T00:00:00Z\",\"metadata\":{\"user_id\":\"u" + (id.hashCode() & 63) + "\"}"
                + (stamped ? ",\"sent_ns\":" + System.nanoTime() : "") + ",\"payload\":\"" + "x".repeat(64) + "\"}";
        producer.send(new ProducerRecord<>(run + LIFECYCLE[step][0], id, json.getBytes(StandardCharsets.UTF_8)));
    }

    private static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 2);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 64 << 10);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> opts = new HashMap<>();
        for (String arg : args) {
            if (arg.startsWith("--") && arg.contains("=")) {
                opts.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
            }
        }
        return opts;
    }
}
