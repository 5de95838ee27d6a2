package io.sserouter.system.bench;

import io.sserouter.testkit.ChildJvm;
import io.sserouter.testkit.FreePorts;
import io.sserouter.testkit.KafkaBroker;
import io.sserouter.testkit.RedisProcess;
import io.sserouter.topology.Main;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * What the topology's process start costs, with the image's class-data archive and without it: the runnable jar
 * (as {@code mvn package} built it, the archive beside it) is killed with {@code kill -9} and started again at once,
 * as an orchestrator restarts a crashed instance, alternately with and without {@code -XX:SharedArchiveFile}. Each
 * start is timed from the launch to its first log line, to Kafka Streams started ({@code REBALANCING}) and to
 * {@code /health/ready} (Kafka Streams {@code RUNNING}, its store restored from the changelog). A backlog of
 * executions processed first gives the store something to restore.
 */
public final class StartBench {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private record Start(boolean archive, long firstLogMillis, long streamsStartedMillis, long readyMillis) {
    }

    private StartBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = BenchKit.options(args);
        int rounds = Integer.parseInt(opts.getOrDefault("rounds", "4"));
        int executions = Integer.parseInt(opts.getOrDefault("executions", "2000"));
        // the image's JIT flags on every start; --image-jit=false leaves HotSpot's defaults
        List<String> jit = Boolean.parseBoolean(opts.getOrDefault("image-jit", "true")) ? Main.JVM_FLAGS : List.of();
        Path jar = Path.of(opts.getOrDefault("jar", "topology/target/sse-router-topology-all.jar"));
        Path archive = Path.of(jar.toString().replaceAll("\\.jar$", ".jsa"));
        if (!Files.isRegularFile(archive)) {
            throw new IllegalStateException(archive + " not found: mvn package makes it beside " + jar);
        }
        String run = "start-";
        Path log = Path.of("bench", "results", "start-topology.log");
        Files.deleteIfExists(log);
        List<Start> starts = new ArrayList<>();
        try (KafkaBroker kafka = KafkaBroker.start(); RedisProcess redis = RedisProcess.start();
             KafkaProducer<String, byte[]> producer = BenchKit.producer(kafka.bootstrapServers())) {
            TopologyBench.backlog(kafka, producer, run, 4, (long) executions * Lifecycle.length());
            Map<String, String> env = new HashMap<>(TopologyBench.topologyEnv(kafka, redis, run, run, 4, 2));
            env.put("KAFKA_APPLICATION_ID", run + "app");
            env.put("KAFKA_STATE_DIR", Files.createTempDirectory("sse-start-bench-").toString());
            env.put("SSE_INSTANCE_ID", "start-bench");
            int port = FreePorts.any();
            ChildJvm running = start(jar, archive, true, jit, env, port, log, starts);
            starts.clear(); // the first start is not a restart: it processes the backlog
            Thread.sleep(10_000);
            for (int i = 0; i < rounds * 2; i++) {
                Thread.sleep(3_000); // settled in the group, offsets committed
                running.kill();
                running = start(jar, archive, i % 2 == 1, jit, env, port, log, starts);
            }
            running.close();
        }
        report(starts, opts.getOrDefault("results", "bench/results"));
        System.exit(0);
    }

    private static ChildJvm start(Path jar, Path archive, boolean withArchive, List<String> jit, Map<String, String> env, int port, Path log,
                                  List<Start> starts) throws Exception {
        List<String> options = new ArrayList<>(List.of("-Xmx384m", "-XX:+ExitOnOutOfMemoryError"));
        options.addAll(jit);
        if (withArchive) {
            options.add("-XX:SharedArchiveFile=" + archive.toAbsolutePath());
        }
        long logStart = Files.exists(log) ? Files.size(log) : 0;
        long launched = System.currentTimeMillis();
        ChildJvm jvm = ChildJvm.packaged("topology", jar, options, env, port, log).start();
        long deadline = launched + 120_000;
        while (!ready(port)) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("not ready within 120 s; log:\n" + jvm.tail());
            }
            Thread.sleep(10);
        }
        long ready = System.currentTimeMillis() - launched;
        byte[] bytes = Files.readAllBytes(log);
        String output = new String(bytes, (int) logStart, bytes.length - (int) logStart, java.nio.charset.StandardCharsets.UTF_8);
        Start s = new Start(withArchive, sinceLaunch(output, "", launched), sinceLaunch(output, "CREATED -> REBALANCING", launched), ready);
        System.out.printf("   %s the archive: first log line %d ms, Kafka Streams started %d ms, ready %d ms after the launch%n",
                withArchive ? "with   " : "without", s.firstLogMillis(), s.streamsStartedMillis(), s.readyMillis());
        starts.add(s);
        return jvm;
    }

    private static boolean ready(int port) throws InterruptedException {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready")).timeout(Duration.ofSeconds(1)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (java.io.IOException notYet) {
            return false;
        }
    }

    /** Milliseconds from the launch to the first log line containing {@code text} (log lines start with an ISO instant). */
    private static long sinceLaunch(String output, String text, long launched) {
        for (String line : output.split("\n")) {
            if (line.length() > 24 && Character.isDigit(line.charAt(0)) && line.contains(text)) {
                return Instant.parse(line.substring(0, 24)).toEpochMilli() - launched;
            }
        }
        return -1;
    }

    private static void report(List<Start> starts, String dir) throws Exception {
        System.out.println();
        System.out.println("| start | restarts | first log line ms | Kafka Streams started ms | ready ms (median) | ready ms (min-max) |");
        System.out.println("|---|---|---|---|---|---|");
        List<List<Object>> csv = new ArrayList<>();
        for (boolean archive : List.of(true, false)) {
            List<Start> these = starts.stream().filter(s -> s.archive() == archive).toList();
            long firstLog = median(these.stream().map(Start::firstLogMillis).toList());
            long streams = median(these.stream().map(Start::streamsStartedMillis).toList());
            List<Long> ready = these.stream().map(Start::readyMillis).sorted().toList();
            String name = archive ? "with the class-data archive" : "without";
            System.out.printf("| %s | %d | %d | %d | %d | %d-%d |%n", name, these.size(), firstLog, streams, median(ready), ready.get(0),
                    ready.get(ready.size() - 1));
            csv.add(List.of(name, these.size(), firstLog, streams, median(ready), ready.get(0), ready.get(ready.size() - 1)));
        }
        BenchKit.writeCsv(dir, "topology-start", List.of("start", "restarts", "first_log_line_ms", "kafka_streams_started_ms",
                "ready_ms_median", "ready_ms_min", "ready_ms_max"), csv);
    }

    private static long median(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }
}
