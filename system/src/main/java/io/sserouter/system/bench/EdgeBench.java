package io.sserouter.system.bench;

import io.sserouter.testkit.RedisProcess;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import redis.clients.jedis.Jedis;

/**
 * Edge benchmark, side by side with nginx + nchan: one load generator (see {@link SseLoad}, {@link LoadScenario})
 * runs the same load against each server in turn (the edge, nchan with in-memory storage, nchan with Redis
 * storage), all on one real Redis; then the edge's resume cost. Prints the figures and writes them as CSV into the
 * results directory, for {@link Report}.
 */
public final class EdgeBench {
    public static void main(String[] args) throws Exception {
        Locale.setDefault(Locale.ROOT);
        Map<String, String> opts = new HashMap<>();
        for (String arg : args) {
            if (arg.startsWith("--") && arg.contains("=")) {
                opts.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
            }
        }
        LoadScenario.Settings load = new LoadScenario.Settings(
                Integer.parseInt(opts.getOrDefault("connections", String.valueOf(QUICK_CONNECTIONS))),
                Integer.parseInt(opts.getOrDefault("channels", "500")),
                Integer.parseInt(opts.getOrDefault("latency-connections", "5000")),
                Integer.parseInt(opts.getOrDefault("delivery-rate", "20000")),
                Integer.parseInt(opts.getOrDefault("seconds", "5")));
        ResumeBench.Settings resume = new ResumeBench.Settings(
                Integer.parseInt(opts.getOrDefault("resumes", "1000")),
                Integer.parseInt(opts.getOrDefault("resume-warmup", "200")),
                Integer.parseInt(opts.getOrDefault("storm", "2000")));
        List<String> servers = Arrays.asList(opts.getOrDefault("servers", "edge,edge-user,nchan-memory,nchan-redis").split(","));
        int workers = Integer.parseInt(opts.getOrDefault("nginx-workers", "2"));
        List<String> jvmFlags = opts.containsKey("edge-jvm-flags") ? Arrays.asList(opts.get("edge-jvm-flags").trim().split("\\s+"))
                : EdgeServer.DEFAULT_JVM_FLAGS;
        Path results = Path.of(opts.getOrDefault("results", "bench/results"));

        List<LoadScenario.Figures> figures = new ArrayList<>();
        ResumeBench.Figures resumed = null;
        try (RedisProcess redis = RedisProcess.start()) {
            LoadScenario scenario = new LoadScenario(load, redis);
            for (String name : servers) {
                try (ServerUnderTest server = start(name, redis, workers, jvmFlags)) {
                    figures.add(scenario.run(server));
                }
                try (Jedis jedis = new Jedis(URI.create(redis.url()))) {
                    jedis.flushAll(); // each server starts from an empty Redis
                }
            }
            if (resume.sequential() > 0 || resume.storm() > 0) {
                try (EdgeServer edge = new EdgeServer(redis, jvmFlags)) {
                    edge.start();
                    resumed = new ResumeBench(resume).run(edge);
                }
            }
        }
        write(results, load, figures, resumed);
        System.exit(0);
    }

    private static ServerUnderTest start(String name, RedisProcess redis, int workers, List<String> jvmFlags) throws Exception {
        switch (name) {
            case "edge", "edge-user" -> {
                EdgeServer edge = new EdgeServer(redis, jvmFlags, name.equals("edge") ? EdgeServer.Streams.EXECUTION : EdgeServer.Streams.USER);
                edge.start();
                return edge;
            }
            case "nchan-memory", "nchan-redis" -> {
                if (!Files.exists(NchanServer.MODULE)) {
                    throw new IllegalStateException("nchan is not installed (" + NchanServer.MODULE + "): apt-get install nginx libnginx-mod-nchan");
                }
                NchanServer nchan = new NchanServer(name.equals("nchan-redis") ? redis : null, workers);
                nchan.start();
                return nchan;
            }
            default -> throw new IllegalArgumentException("--servers: unknown server " + name + " (edge, edge-user, nchan-memory, nchan-redis)");
        }
    }

    /** The connections `bench/run` holds by default, and the count whose figures get the plain CSV names. */
    static final int QUICK_CONNECTIONS = 5_000;

    /**
     * The comparison's CSV names: the quick run's 5,000 connections under the plain names, another count with it in
     * the name, so that a run at 18,000 connections keeps the 5,000 figures beside its own.
     */
    private static String named(String base, LoadScenario.Settings load) {
        return load.connections() == QUICK_CONNECTIONS ? base + ".csv" : base + "-" + load.connections() + "-connections.csv";
    }

    /**
     * Each edge server against nginx + nchan (in-memory storage) of the same run, as multiples of nchan's figures, and
     * whether the edge's goals hold: memory per connection and CPU per delivery at most nchan's, p99 at most twice
     * nchan's and p99.9 under 5 ms, deliveries/s at saturation at least twice nchan's. Written only when both ran.
     */
    private static void writeGoals(Path results, LoadScenario.Settings load, List<LoadScenario.Figures> figures) throws Exception {
        LoadScenario.Figures nchan = figures.stream().filter(f -> f.server().equals("nchan-memory")).findFirst().orElse(null);
        if (nchan == null) {
            return;
        }
        List<List<Object>> rows = new ArrayList<>();
        for (LoadScenario.Figures f : figures) {
            if (!f.server().startsWith("edge")) {
                continue;
            }
            double rss = f.rssKbPerConnection() / nchan.rssKbPerConnection();
            double p99 = f.p99Ms() / nchan.p99Ms();
            double cpu = f.cpuUsPerDelivery() / nchan.cpuUsPerDelivery();
            double saturation = f.saturationPerSecond() / nchan.saturationPerSecond();
            List<String> missed = new ArrayList<>();
            if (!(rss <= 1)) {
                missed.add("memory");
            }
            if (!(p99 <= 2) || !(f.p999Ms() < 5)) {
                missed.add("tail latency");
            }
            if (!(cpu <= 1)) {
                missed.add("CPU");
            }
            if (!(saturation >= 2)) {
                missed.add("saturation");
            }
            rows.add(List.of(f.server(), rss, p99, f.p999Ms(), cpu, saturation, missed.isEmpty() ? "all met" : "missed: " + String.join(", ", missed)));
        }
        Report.writeCsv(results.resolve(named("edge-vs-nchan-goals", load)), List.of("server", "RSS/connection × nchan (goal ≤ 1)", "p99 × nchan (goal ≤ 2)",
                "p99.9 ms (goal < 5)", "CPU/delivery × nchan (goal ≤ 1)", "saturation × nchan (goal ≥ 2)", "goals"), rows);
    }

    private static void write(Path results, LoadScenario.Settings load, List<LoadScenario.Figures> figures, ResumeBench.Figures resume)
            throws Exception {
        Files.createDirectories(results);
        String rate = "at " + load.deliveryRate() + " deliveries/s";
        List<List<Object>> rows = new ArrayList<>();
        List<List<Object>> latency = new ArrayList<>();
        for (LoadScenario.Figures f : figures) {
            rows.add(List.of(f.server(), f.held(), f.rssKbPerConnection(), f.pssKbPerConnection(), f.heapKbPerConnection(), f.saturationPerSecond(),
                    f.p50Ms(), f.p99Ms(), f.cpuUsPerDelivery(), f.saturationCpuUsPerDelivery(), f.saturationRedisCpuUsPerDelivery()));
            latency.add(List.of(f.server(), f.p50Ms(), f.p90Ms(), f.p99Ms(), f.p999Ms(), f.maxMs()));
        }
        // live heap: what the JVM's objects hold per connection after a full GC (none for nginx), steadier than RSS, which
        // moves with the heap the collector keeps committed at that moment
        Report.writeCsv(results.resolve(named("edge-vs-nchan", load)), List.of("server", "connections held", "memory KB/connection (RSS)",
                "memory KB/connection (PSS)", "live heap KB/connection", "deliveries/s at saturation", "p50 ms " + rate, "p99 ms " + rate, "CPU µs/delivery " + rate,
                "CPU µs/delivery at saturation", "Redis CPU µs/delivery at saturation"), rows);
        Report.writeCsv(results.resolve(named("edge-vs-nchan-latency", load)), List.of("server", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms"), latency);
        writeGoals(results, load, figures);
        if (resume != null) {
            Report.writeCsv(results.resolve("edge-resume.csv"), List.of("resume of " + ResumeBench.REPLAYED + " events", "clients", "p50 ms", "p99 ms",
                    "resumes/s"), List.of(
                    List.of("one at a time", resume.resumes(), resume.p50Ms(), resume.p99Ms(), resume.perSecond()),
                    List.of("storm, all at once", resume.stormResumed(), resume.stormP50Ms(), resume.stormP99Ms(), resume.stormPerSecond())));
        }
        System.out.printf("%nEdge and nchan, %d connections over %d channels, 128-byte events:%n", load.connections(), load.channels());
        for (LoadScenario.Figures f : figures) {
            System.out.printf("  %-13s %6d held, %6.1f KB/connection (RSS), p50/p99 %.2f/%.2f ms %s, %,.0f deliveries/s at saturation, %.1f µs CPU/delivery%n",
                    f.server(), f.held(), f.rssKbPerConnection(), f.p50Ms(), f.p99Ms(), rate, f.saturationPerSecond(), f.cpuUsPerDelivery());
        }
    }
}
