package io.sserouter.system.bench;

import io.sserouter.testkit.Partitions;
import io.sserouter.testkit.KafkaBroker;
import io.sserouter.testkit.RedisProcess;
import io.sserouter.testkit.ExecutionScenario;
import io.sserouter.topology.TopologyApp;
import io.sserouter.topology.TopologySettings;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;

/**
 * Topology benchmark: a real broker and a real Redis on this machine, the topology in this JVM. For each processing
 * guarantee and each thread count asked for, a backlog of events is written to fresh source topics and the
 * topology is measured on it by {@link PublishMeter} (drain events/s, then produce-to-publish latency at a fixed rate).
 *
 * <p>Each guarantee and thread count is measured on both paths of execution events ({@code --routings}, default
 * {@code direct,repartition}; the source topics here are co-partitioned, so the direct path is the one an
 * {@code auto} deployment takes), each on a backlog of its own.
 *
 * <p>The first configuration is also measured without the owner's log ({@code SSE_USER_LOG=false}), in rounds
 * alternated with rounds with it ({@code --log-rounds} pairs, drain only), and the medians are compared: on a
 * shared machine one round pair alone swings by a third either way.
 *
 * <p>On the first backlog, the {@link RawPipe} baseline (plain consumers making the same Redis writes) is measured
 * the same way for each of {@code --raw-threads}, each as its own consumer group over the same topics and records,
 * writing under its own Redis prefix of the same Redis; the topology's figures are then given as a ratio of the raw
 * pipe's with the same number of threads.
 */
public final class TopologyBench {
    record Result(String pipeline, String guarantee, int threads, PublishMeter.Figures figures) {
    }

    /** Source topics holding a backlog, and where it ends, so a later reader can tell it from what comes after. */
    record Backlog(String run, List<String> topics, long events, Map<TopicPartition, Long> end) {
        /** The ids of the backlog's executions, each with {@link Lifecycle#length()} events. */
        List<String> executions() {
            return LongStream.range(0, events / Lifecycle.length()).mapToObj(TopologyBench::backlogExecution).toList();
        }
    }

    private TopologyBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = BenchKit.options(args);
        long events = Long.parseLong(opts.getOrDefault("events", "100000"));
        int rate = Integer.parseInt(opts.getOrDefault("rate", "1000"));
        int latencySeconds = Integer.parseInt(opts.getOrDefault("latency-seconds", "10"));
        int partitions = Integer.parseInt(opts.getOrDefault("partitions", "8"));
        List<Integer> threads = BenchKit.integers(opts.getOrDefault("threads", "1,2"));
        List<Integer> rawThreads = BenchKit.integers(opts.getOrDefault("raw-threads", "1,2,4"));
        List<String> guarantees = List.of(opts.getOrDefault("guarantees", "exactly_once_v2,at_least_once").split(","));
        long warmup = Long.parseLong(opts.getOrDefault("warmup", "30000"));
        int logRounds = Integer.parseInt(opts.getOrDefault("log-rounds", "2"));
        LogCost logCost = null;
        List<String> routings = List.of(opts.getOrDefault("routings", "direct,repartition").split(","));
        Lifecycle.configure(Integer.parseInt(opts.getOrDefault("progress-events", "1")),
                opts.getOrDefault("event-ids", "short").equals("uuid") ? ExecutionScenario.EventIds.UUIDS : ExecutionScenario.EventIds.EVERY);

        List<Result> results = new ArrayList<>();
        List<Result> raw = new ArrayList<>();
        try (KafkaBroker kafka = KafkaBroker.start(); RedisProcess redis = RedisProcess.start();
             KafkaProducer<String, byte[]> producer = BenchKit.producer(kafka.bootstrapServers())) {
            BenchKit.countCpuOf("Redis server", redis.pid());
            int run = 0;
            if (warmup > 0) { // the first round in a JVM runs cold (JIT, RocksDB, page cache): not a figure to report
                System.out.printf("== warm-up round (%d events, not reported)%n", warmup);
                Backlog backlog = backlog(kafka, producer, "w-", partitions, warmup);
                topology(kafka, redis, producer, backlog, guarantees.get(0), routings.get(0), threads.get(0), partitions, rate, latencySeconds, true);
            }
            for (String guarantee : guarantees) {
                for (int t : threads) {
                    for (String routing : routings) {
                        Backlog backlog = backlog(kafka, producer, "b" + (++run) + "-", partitions, events);
                        results.add(topology(kafka, redis, producer, backlog, guarantee, routing, t, partitions, rate, latencySeconds, true));
                        if (run == 1) {
                            if (logRounds > 0) {
                                // The owner's log (the user stream's source) against none, in rounds ordered without-with,
                                // with-without, ... so that neither always runs in the slower early rounds (the round above,
                                // the first on this broker, is slower still and left out); medians compared.
                                List<Result> with = new ArrayList<>();
                                List<Result> without = new ArrayList<>();
                                for (int round = 0; round < 2 * logRounds; round++) {
                                    boolean userLog = round % 4 == 1 || round % 4 == 2;
                                    Backlog next = backlog(kafka, producer, "b" + (++run) + "-", partitions, events);
                                    Result r = topology(kafka, redis, producer, next, guarantee, routing, t, partitions, rate, 0, userLog);
                                    (userLog ? with : without).add(r);
                                }
                                logCost = new LogCost(with, without);
                            }
                            for (int rt : rawThreads) {
                                raw.add(rawPipe(kafka, redis, producer, backlog, rt, partitions, rate, latencySeconds));
                            }
                        }
                    }
                }
            }
        }
        report(results, raw, logCost, opts.getOrDefault("results", "bench/results"));
        System.exit(0);
    }

    static Backlog backlog(KafkaBroker kafka, KafkaProducer<String, byte[]> producer, String run, int partitions, long events)
            throws Exception {
        System.out.printf("== %s: writing a backlog of %d events%n", run, events);
        List<String> sources = Lifecycle.sourceTopics(run);
        List<String> topics = new ArrayList<>(sources);
        for (String base : List.of("notification_events", "system_events", "dlq")) {
            topics.add(run + base);
        }
        BenchKit.createTopics(kafka.bootstrapServers(), topics, partitions);
        Partitions.warmUp(producer, sources, partitions);
        long executions = events / Lifecycle.length();
        for (int step = 0; step < Lifecycle.length(); step++) {
            for (long e = 0; e < executions; e++) {
                Lifecycle.send(producer, run, backlogExecution(e), step, false);
            }
        }
        producer.flush();
        return new Backlog(run, sources, executions * Lifecycle.length(), BenchKit.endOffsets(kafka.bootstrapServers(), sources, partitions));
    }

    private static String backlogExecution(long e) {
        return "x" + e;
    }

    private static Result topology(KafkaBroker kafka, RedisProcess redis, KafkaProducer<String, byte[]> producer, Backlog backlog,
                                   String guarantee, String routing, int threads, int partitions, int rate, int latencySeconds,
                                   boolean userLog) throws Exception {
        String pipeline = (userLog ? "topology, " : "topology without owner's log, ") + (routing.equals("direct") ? "direct" : "repartitioned");
        System.out.printf("== %s, %s, %d stream threads, backlog %s%n", pipeline, guarantee, threads, backlog.run());
        Map<String, String> env = topologyEnv(kafka, redis, backlog.run(), backlog.run(), partitions, threads);
        env.put("SSE_USER_LOG", String.valueOf(userLog));
        return new Result(pipeline, guarantee, threads, measureTopology(
                PublishMeter.pattern(redis.url(), env.get("SSE_REDIS_PREFIX") + "exec:*"), producer, backlog, env, guarantee, routing, rate,
                latencySeconds));
    }

    /**
     * The topology started in this JVM on a backlog, with this environment ({@link #topologyEnv}) under an application
     * id of the backlog's own, measured by {@link PublishMeter} through {@code listener}, a subscriber of the execution
     * channels of the pub/sub kind the topology publishes with.
     */
    static PublishMeter.Figures measureTopology(PublishMeter.Listener listener, KafkaProducer<String, byte[]> producer, Backlog backlog,
                                                Map<String, String> env, String guarantee, String routing, int rate,
                                                int latencySeconds) throws Exception {
        env.put("KAFKA_APPLICATION_ID", backlog.run() + "app");
        env.put("KAFKA_PROCESSING_GUARANTEE", guarantee);
        env.put("SSE_ROUTING", routing); // forced, so a figure is never of the other path than its label says
        env.put("KAFKA_STATE_DIR", Files.createTempDirectory("sse-bench-").toString());
        AtomicReference<String> metrics = new AtomicReference<>("");
        PublishMeter.Figures figures = PublishMeter.measure(listener, producer, backlog.run(), backlog.events(),
                rate, latencySeconds, () -> {
                    TopologyApp app = TopologyApp.start(TopologySettings.fromEnv(env));
                    return () -> {
                        metrics.set(app.scrape());
                        app.close();
                    };
                });
        // what each event cost the stream threads' producers to send: on the direct path, the execution's state for the
        // store's changelog, with the writes Redis had not acknowledged yet
        double bytes = metrics.get().lines().filter(line -> line.startsWith("kafka_producer_outgoing_byte_total{") && line.contains("-producer\""))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
        long processed = figures.drained() + figures.latencySamples();
        System.out.printf("   stream threads' producers sent %.0f bytes for %d events (%.0f bytes per event)%n", bytes, processed,
                bytes / Math.max(1, processed));
        return figures;
    }

    private static Result rawPipe(KafkaBroker kafka, RedisProcess redis, KafkaProducer<String, byte[]> producer, Backlog backlog,
                                  int threads, int partitions, int rate, int latencySeconds) throws Exception {
        String prefix = backlog.run() + "raw" + threads + "-";
        System.out.printf("== raw pipe, %d consumer threads, backlog %s%n", threads, backlog.run());
        Map<String, String> env = topologyEnv(kafka, redis, backlog.run(), prefix, partitions, threads);
        PublishMeter.Figures figures = PublishMeter.measure(PublishMeter.pattern(redis.url(), prefix + "exec:*"), producer, backlog.run(), backlog.events(),
                rate, latencySeconds, () -> new RawPipe(kafka.bootstrapServers(), backlog.topics(), partitions, threads,
                        prefix + "group", env, backlog.end()));
        return new Result("raw pipe", "none", threads, figures);
    }

    /** The topology's environment for a run: its topics, Redis prefix and threads; tuning from this process's environment. */
    static Map<String, String> topologyEnv(KafkaBroker kafka, RedisProcess redis, String run, String redisPrefix,
                                                   int partitions, int threads) {
        return topologyEnv(kafka, redis.url(), run, redisPrefix, partitions, threads);
    }

    /** The same, on any Redis deployment REDIS_URL can name (one node, cluster seeds, Sentinel). */
    static Map<String, String> topologyEnv(KafkaBroker kafka, String redisUrl, String run, String redisPrefix, int partitions,
                                           int threads) {
        Map<String, String> env = new HashMap<>();
        // tuning under test can be passed as the usual variables, e.g. KAFKA_COMMIT_INTERVAL_MS=50 bench/run
        System.getenv().forEach((k, v) -> {
            if ((k.startsWith("KAFKA_") || k.startsWith("SSE_")) && !k.equals("KAFKA_PROCESSING_GUARANTEE") && !k.equals("SSE_ROUTING")) {
                env.put(k, v);
            }
        });
        env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        env.put("REDIS_URL", redisUrl);
        env.put("SSE_REDIS_PREFIX", redisPrefix);
        env.put("SSE_SOURCE_TOPICS", String.join(",", Lifecycle.sourceTopics(run)));
        env.put("SSE_NOTIFICATION_TOPIC", run + "notification_events");
        env.put("SSE_SYSTEM_TOPIC", run + "system_events");
        env.put("SSE_DLQ_TOPIC", run + "dlq");
        env.put("SSE_PARTITIONS", String.valueOf(partitions));
        env.put("SSE_CONSUMER_POOL_SIZE", String.valueOf(threads));
        env.put("SSE_HTTP_PORT", "0");
        return env;
    }

    /** The first configuration's rounds with the owner's log and without it. */
    private record LogCost(List<Result> with, List<Result> without) {
        static double median(List<Result> rounds) {
            double[] sorted = rounds.stream().mapToDouble(r -> r.figures().eventsPerSecond()).sorted().toArray();
            return sorted.length % 2 == 1 ? sorted[sorted.length / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
        }

        Result medianRow(List<Result> rounds) {
            Result first = rounds.get(0);
            String label = first.pipeline() + ", median of rounds";
            PublishMeter.Figures f = first.figures();
            double eps = median(rounds);
            return new Result(label, first.guarantee(), first.threads(), new PublishMeter.Figures(f.events(), f.events() / eps, eps,
                    Double.NaN, 0, 0, Double.NaN, Double.NaN, Double.NaN, f.events()));
        }

        void print() {
            System.out.println();
            System.out.println("The owner's log (SSE_USER_LOG) against none, same backlog size, rounds alternated; goal: at most 10 % fewer events/s");
            System.out.println();
            System.out.println("| configuration | rounds | events/s per round | median events/s |");
            System.out.println("|---|---|---|---|");
            for (List<Result> rounds : List.of(with, without)) {
                System.out.printf("| %s | %d | %s | %.0f |%n", rounds == with ? "with the owner's log" : "without", rounds.size(),
                        rounds.stream().map(r -> String.format("%.0f", r.figures().eventsPerSecond())).collect(java.util.stream.Collectors.joining(", ")),
                        median(rounds));
            }
            System.out.printf("%nWith the owner's log: %+.1f %% events/s against without (medians).%n", 100 * (median(with) / median(without) - 1));
        }
    }

    private static void report(List<Result> results, List<Result> raw, LogCost logCost, String resultsDir) throws Exception {
        if (logCost != null) {
            logCost.print();
            results.add(1, logCost.medianRow(logCost.with()));
            results.add(2, logCost.medianRow(logCost.without()));
        }
        List<Result> all = new ArrayList<>(results);
        all.addAll(raw);
        System.out.println();
        System.out.println("| pipeline | guarantee | threads | backlog events | drain s | events/s into Redis | paced rate ev/s | latency samples | p50 ms | p99 ms | max ms |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
        List<List<Object>> rows = new ArrayList<>();
        for (Result r : all) {
            PublishMeter.Figures f = r.figures();
            System.out.printf("| %s | %s | %d | %d | %.1f | %.0f | %d | %d | %.1f | %.1f | %.1f |%n", r.pipeline(), r.guarantee(), r.threads(),
                    f.events(), f.drainSeconds(), f.eventsPerSecond(), f.rate(), f.latencySamples(), f.p50ms(), f.p99ms(), f.maxMs());
            Result base = sameThreads(raw, r.threads());
            rows.add(List.of(r.pipeline(), r.guarantee(), r.threads(), f.events(), f.drainSeconds(), f.eventsPerSecond(), f.startupSeconds(),
                    f.rate(), f.latencySamples(), f.p50ms(), f.p99ms(), f.maxMs(),
                    r.pipeline().startsWith("topology") && base != null ? f.eventsPerSecond() / base.figures().eventsPerSecond() : Double.NaN));
        }
        if (!raw.isEmpty()) {
            System.out.println();
            System.out.println("Topology against the raw pipe with as many threads (same backlog records, same Redis writes). Goals: at least"
                    + " 50 % of its events/s on both paths under both guarantees; on the direct path under exactly-once, p50 at most"
                    + " 10 ms and p99 at most 50 ms at the paced rate (" + LATENCY_GOAL_RATE + " events/s)");
            System.out.println();
            System.out.println("| pipeline | guarantee | threads | topology events/s | raw pipe events/s | topology / raw pipe | topology p50 / p99 ms | raw pipe p50 / p99 ms | goals met |");
            System.out.println("|---|---|---|---|---|---|---|---|---|");
            for (Result r : results) {
                Result base = sameThreads(raw, r.threads());
                if (base == null) {
                    continue;
                }
                PublishMeter.Figures t = r.figures();
                PublishMeter.Figures b = base.figures();
                System.out.printf("| %s | %s | %d | %.0f | %.0f | %.0f %% | %.1f / %.1f | %.1f / %.1f | %s |%n", r.pipeline(), r.guarantee(), r.threads(),
                        t.eventsPerSecond(), b.eventsPerSecond(), 100 * t.eventsPerSecond() / b.eventsPerSecond(),
                        t.p50ms(), t.p99ms(), b.p50ms(), b.p99ms(), goalsMet(r, base) ? "yes" : "no");
            }
        }
        System.out.println();
        BenchKit.writeCsv(resultsDir, "topology", List.of("pipeline", "guarantee", "threads", "backlog_events", "drain_s", "events_per_s",
                "startup_s", "paced_rate", "latency_samples", "p50_ms", "p99_ms", "max_ms", "ratio_to_raw_pipe"), rows);
    }

    /** The paced rate the latency goal is stated for. */
    private static final int LATENCY_GOAL_RATE = 1_000;

    private static boolean goalsMet(Result r, Result rawPipe) {
        PublishMeter.Figures f = r.figures();
        boolean throughput = f.eventsPerSecond() >= 0.5 * rawPipe.figures().eventsPerSecond();
        boolean latencyGoal = r.pipeline().endsWith("direct") && r.guarantee().equals("exactly_once_v2");
        boolean latency = !latencyGoal || (f.rate() >= LATENCY_GOAL_RATE && f.p50ms() <= 10 && f.p99ms() <= 50);
        return throughput && latency;
    }

    private static Result sameThreads(List<Result> raw, int threads) {
        return raw.stream().filter(r -> r.threads() == threads).findFirst().orElse(null);
    }
}
