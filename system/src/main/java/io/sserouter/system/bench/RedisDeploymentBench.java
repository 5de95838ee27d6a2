package io.sserouter.system.bench;

import io.sserouter.config.Env;
import io.sserouter.config.RedisSettings;
import io.sserouter.contract.PubSub;
import io.sserouter.contract.RedisKeys;
import io.sserouter.testkit.FreePorts;
import io.sserouter.testkit.KafkaBroker;
import io.sserouter.testkit.RedisCluster;
import io.sserouter.testkit.RedisProcess;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.apache.kafka.clients.producer.KafkaProducer;
import redis.clients.jedis.Jedis;

/**
 * The topology and the edge on each Redis deployment, in one run, so that they are compared on the same machine at
 * the same time: a single node, a Redis Cluster of 3 masters and 3 replicas, and a single node with one replica. The
 * topology runs on each with the failover safeguard ({@code SSE_REDIS_WAIT_REPLICAS}) as asked, e.g. {@code cluster:0}
 * (off) and {@code cluster:auto} (the default, which waits for one replica where the masters have one), so that its
 * cost shows on its own: the same Redis with and without it.
 *
 * <p>The topology is measured as {@link TopologyBench} measures it (a backlog of its own per deployment and round,
 * drained, then a paced rate for latency, through a subscriber of the execution channels of the pub/sub kind the
 * topology uses there: SSUBSCRIBE per master on a cluster by default, a pattern otherwise); with {@code --rounds} above
 * 1 the deployments take turns in a rotated order and the medians are reported, since one round on a shared machine
 * swings by a third. The edge is measured as {@link EdgeBench} measures it (held SSE connections, publish-to-receive
 * latency at a fixed delivery rate, deliveries/s at saturation), once per Redis, published the way the edge listens
 * there (SPUBLISH on a cluster by default): the safeguard is the topology's, the edge writes nothing.
 */
public final class RedisDeploymentBench {
    /** A Redis kind and the safeguard setting the topology runs with on it. */
    record Deployment(String redis, String waitReplicas) {
        static Deployment parse(String spec) {
            String[] parts = spec.trim().split(":");
            String redis = parts[0];
            if (!REDIS_KINDS.contains(redis)) {
                throw new IllegalArgumentException("--deployments: unknown Redis " + redis + " (" + String.join(", ", REDIS_KINDS) + ")");
            }
            return new Deployment(redis, parts.length > 1 ? parts[1] : "auto");
        }

        String label() {
            return describe(redis) + ", SSE_REDIS_WAIT_REPLICAS=" + waitReplicas;
        }
    }

    /** What the topology did on one deployment in one round. */
    record Round(PublishMeter.Figures figures, double waitsPerThousand, double redisCpuUsPerEvent) {
    }

    private static final List<String> REDIS_KINDS = List.of("single", "cluster", "replica");

    private RedisDeploymentBench() {
    }

    static String describe(String redis) {
        return switch (redis) {
            case "single" -> "single node";
            case "cluster" -> "cluster, 3 masters + 3 replicas";
            default -> "single node + 1 replica";
        };
    }

    public static void main(String[] args) throws Exception {
        Locale.setDefault(Locale.ROOT);
        Map<String, String> opts = BenchKit.options(args);
        List<Deployment> deployments = Arrays.stream(opts.getOrDefault("deployments", "single,cluster:0,cluster:auto,replica:0,replica:auto")
                .split(",")).map(Deployment::parse).toList();
        long events = Long.parseLong(opts.getOrDefault("events", "50000"));
        // below what a cluster drains on a 2-core machine, so latency is not queueing behind a saturated topology
        int rate = Integer.parseInt(opts.getOrDefault("rate", "500"));
        int latencySeconds = Integer.parseInt(opts.getOrDefault("latency-seconds", "5"));
        int partitions = Integer.parseInt(opts.getOrDefault("partitions", "8"));
        int threads = Integer.parseInt(opts.getOrDefault("threads", "2"));
        int rounds = Integer.parseInt(opts.getOrDefault("rounds", "1"));
        long warmup = Long.parseLong(opts.getOrDefault("warmup", "20000"));
        String guarantee = opts.getOrDefault("guarantee", "exactly_once_v2");
        LoadScenario.Settings load = new LoadScenario.Settings(
                Integer.parseInt(opts.getOrDefault("connections", "1000")),
                Integer.parseInt(opts.getOrDefault("channels", "100")),
                Integer.parseInt(opts.getOrDefault("latency-connections", "1000")),
                Integer.parseInt(opts.getOrDefault("delivery-rate", "10000")),
                Integer.parseInt(opts.getOrDefault("seconds", "5")));
        String results = opts.getOrDefault("results", "bench/results");

        Map<Deployment, List<Round>> topology = new LinkedHashMap<>();
        deployments.forEach(d -> topology.put(d, new ArrayList<>()));
        Map<String, LoadScenario.Figures> edge = new LinkedHashMap<>();
        try (KafkaBroker kafka = KafkaBroker.start(); Redises redises = new Redises();
             KafkaProducer<String, byte[]> producer = BenchKit.producer(kafka.bootstrapServers())) {
            for (Deployment d : deployments) {
                redises.get(d.redis());
            }
            int run = 0;
            if (warmup > 0) { // the first round in a JVM runs cold (JIT, RocksDB, page cache): not a figure to report
                System.out.printf("== warm-up round (%d events, not reported)%n", warmup);
                TopologyBench.Backlog backlog = TopologyBench.backlog(kafka, producer, "dw-", partitions, warmup);
                measure(kafka, redises.get(deployments.get(0).redis()), producer, backlog, deployments.get(0), guarantee, threads,
                        partitions, rate, 1);
            }
            for (int round = 0; round < rounds; round++) {
                for (int i = 0; i < deployments.size(); i++) {
                    // rotated each round, so that no deployment always runs first or last
                    Deployment d = deployments.get((i + round) % deployments.size());
                    TopologyBench.Backlog backlog = TopologyBench.backlog(kafka, producer, "d" + (++run) + "-", partitions, events);
                    topology.get(d).add(measure(kafka, redises.get(d.redis()), producer, backlog, d, guarantee, threads, partitions, rate,
                            latencySeconds));
                }
            }
            if (load.connections() > 0) {
                for (String kind : deployments.stream().map(Deployment::redis).distinct().toList()) {
                    Redises.Running redis = redises.get(kind);
                    try (EdgeServer server = new EdgeServer(redis.url(), EdgeServer.DEFAULT_JVM_FLAGS, EdgeServer.Streams.EXECUTION)) {
                        server.start();
                        edge.put(kind, new LoadScenario(load, redis.pids()).run(server));
                    }
                }
            }
        }
        report(topology, edge, events, rounds, guarantee, threads, load, results);
        System.exit(0);
    }

    private static Round measure(KafkaBroker kafka, Redises.Running redis, KafkaProducer<String, byte[]> producer,
                                 TopologyBench.Backlog backlog, Deployment d, String guarantee, int threads, int partitions, int rate,
                                 int latencySeconds) throws Exception {
        System.out.printf("== topology on %s, %s, %d stream threads, backlog %s%n", d.label(), guarantee, threads, backlog.run());
        Map<String, String> env = TopologyBench.topologyEnv(kafka, redis.url(), backlog.run(), backlog.run(), partitions, threads);
        env.put("SSE_REDIS_WAIT_REPLICAS", d.waitReplicas());
        long waits = redis.waitCalls();
        long ticks = ProcStats.cpuTicks(redis.pids());
        PublishMeter.Figures f = TopologyBench.measureTopology(listener(redis, env, backlog, rate, latencySeconds), producer, backlog, env,
                guarantee, "direct", rate, latencySeconds);
        long written = f.events() + (long) rate * latencySeconds;
        double waitsPerThousand = 1000.0 * (redis.waitCalls() - waits) / written;
        double cpu = (ProcStats.cpuTicks(redis.pids()) - ticks) * 10_000.0 / written;
        if (!f.complete()) {
            System.out.printf("   NOT DRAINED: %d of %d events; this round is left out of the figures%n", f.drained(), f.events());
        }
        System.out.printf("   %.0f events/s; p50/p99 %.1f/%.1f ms at %d events/s; %.1f WAITs per 1,000 events; Redis CPU %.1f µs/event%n",
                f.eventsPerSecond(), f.p50ms(), f.p99ms(), rate, waitsPerThousand, cpu);
        return new Round(f, waitsPerThousand, cpu);
    }

    /**
     * A subscriber of the execution channels of the kind the topology publishes with on this Redis: a pattern on one
     * node with global pub/sub; with sharded pub/sub (a cluster's default), which no pattern hears, each channel of
     * the backlog's and the paced phase's executions on the master of its slot.
     */
    private static PublishMeter.Listener listener(Redises.Running redis, Map<String, String> env, TopologyBench.Backlog backlog, int rate,
                                                  int latencySeconds) {
        RedisKeys keys = new RedisKeys(env.get("SSE_REDIS_PREFIX"));
        if (RedisSettings.fromEnv(new Env(env)).pubSub() == PubSub.GLOBAL) {
            return PublishMeter.pattern(redis.subscriberUrl(), keys.execChannel("*"));
        }
        List<String> channels = new ArrayList<>();
        backlog.executions().forEach(id -> channels.add(keys.execChannel(id)));
        PublishMeter.pacedExecutions(rate, latencySeconds).forEach(id -> channels.add(keys.execChannel(id)));
        return new ShardedListener(redis.url(), channels);
    }

    /** The rounds whose backlog was drained whole within the time limit: the others measured a failure, not a rate. */
    private static List<Round> drained(List<Round> rounds) {
        return rounds.stream().filter(r -> r.figures().complete()).toList();
    }

    private static double median(List<Round> rounds, ToDoubleFunction<Round> figure) {
        double[] sorted = rounds.stream().mapToDouble(figure).sorted().toArray();
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }

    private static void report(Map<Deployment, List<Round>> topology, Map<String, LoadScenario.Figures> edge, long events, int rounds,
                               String guarantee, int threads, LoadScenario.Settings load, String results) throws Exception {
        Deployment single = topology.keySet().stream().filter(d -> d.redis().equals("single")).findFirst().orElse(null);
        System.out.printf("%nTopology by Redis deployment (%s, %d stream threads, %d-event backlogs, medians of %d round(s));"
                + " the safeguard's cost: against the same Redis with SSE_REDIS_WAIT_REPLICAS=0%n%n", guarantee, threads, events, rounds);
        System.out.println("| deployment | events/s | against single node | safeguard: events/s | p50 / p99 ms | safeguard: p99 | WAITs per 1,000 events | Redis CPU µs/event |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        List<List<Object>> rows = new ArrayList<>();
        for (Map.Entry<Deployment, List<Round>> e : topology.entrySet()) {
            Deployment d = e.getKey();
            List<Round> r = drained(e.getValue());
            int failed = e.getValue().size() - r.size();
            double eps = median(r, x -> x.figures().eventsPerSecond());
            double p50 = median(r, x -> x.figures().p50ms());
            double p99 = median(r, x -> x.figures().p99ms());
            Deployment off = d.waitReplicas().equals("0") ? null : topology.keySet().stream()
                    .filter(o -> o.redis().equals(d.redis()) && o.waitReplicas().equals("0")).findFirst().orElse(null);
            double offEps = off == null ? Double.NaN : median(drained(topology.get(off)), x -> x.figures().eventsPerSecond());
            double offP99 = off == null ? Double.NaN : median(drained(topology.get(off)), x -> x.figures().p99ms());
            double singleEps = single == null ? Double.NaN : median(drained(topology.get(single)), x -> x.figures().eventsPerSecond());
            double vsSingle = 100 * (eps / singleEps - 1);
            double safeguardEps = 100 * (eps / offEps - 1);
            double safeguardP99 = p99 - offP99;
            double waits = median(r, Round::waitsPerThousand);
            double cpu = median(r, Round::redisCpuUsPerEvent);
            System.out.printf("| %s%s | %.0f | %s | %s | %.1f / %.1f | %s | %.1f | %.1f |%n", d.label(),
                    failed == 0 ? "" : " (" + failed + " round(s) not drained)", eps, percent(vsSingle), percent(safeguardEps),
                    p50, p99, Double.isNaN(safeguardP99) ? "" : String.format("%+.1f ms", safeguardP99), waits, cpu);
            rows.add(List.of(describe(d.redis()), d.waitReplicas(), r.size(), failed, events, eps, vsSingle, safeguardEps,
                    e.getValue().get(0).figures().rate(), p50, p99, safeguardP99, waits, cpu));
        }
        BenchKit.writeCsv(results, "redis-deployments", List.of("Redis", "SSE_REDIS_WAIT_REPLICAS", "rounds", "rounds not drained", "backlog events",
                "topology events/s", "% events/s against single node", "safeguard: % events/s against the same Redis with 0",
                "paced rate events/s", "p50 ms", "p99 ms", "safeguard: p99 ms added", "WAITs per 1000 events", "Redis CPU µs/event"), rows);
        if (edge.isEmpty()) {
            return;
        }
        String rate = "at " + load.deliveryRate() + " deliveries/s";
        System.out.printf("%nEdge by Redis deployment: %d connections over %d channels%n%n", load.connections(), load.channels());
        System.out.println("| Redis | held | p50 / p99 ms " + rate + " | deliveries/s at saturation | edge CPU µs/delivery | Redis CPU µs/delivery |");
        System.out.println("|---|---|---|---|---|---|");
        List<List<Object>> edgeRows = new ArrayList<>();
        LoadScenario.Figures edgeSingle = edge.get("single");
        for (Map.Entry<String, LoadScenario.Figures> e : edge.entrySet()) {
            LoadScenario.Figures f = e.getValue();
            double vsSingle = edgeSingle == null ? Double.NaN : 100 * (f.saturationPerSecond() / edgeSingle.saturationPerSecond() - 1);
            System.out.printf("| %s | %d | %.2f / %.2f | %.0f (%s) | %.1f | %.1f |%n", describe(e.getKey()), f.held(), f.p50Ms(), f.p99Ms(),
                    f.saturationPerSecond(), percent(vsSingle), f.saturationCpuUsPerDelivery(), f.saturationRedisCpuUsPerDelivery());
            edgeRows.add(List.of(describe(e.getKey()), f.held(), f.p50Ms(), f.p99Ms(), f.saturationPerSecond(), vsSingle,
                    f.saturationCpuUsPerDelivery(), f.saturationRedisCpuUsPerDelivery()));
        }
        BenchKit.writeCsv(results, "redis-deployments-edge", List.of("Redis", "connections held", "p50 ms " + rate, "p99 ms " + rate,
                "deliveries/s at saturation", "% deliveries/s against single node", "edge CPU µs/delivery at saturation",
                "Redis CPU µs/delivery at saturation"), edgeRows);
    }

    private static String percent(double value) {
        return Double.isNaN(value) ? "" : String.format("%+.0f %%", value);
    }

    /** The Redis deployments of the run, each started once when first asked for and kept until the end. */
    private static final class Redises implements AutoCloseable {
        /** A running deployment: its REDIS_URL, a node to subscribe on, its nodes. */
        record Running(String url, String subscriberUrl, List<RedisProcess> nodes, AutoCloseable owner) {
            List<Long> pids() {
                return nodes.stream().map(RedisProcess::pid).toList();
            }

            /** WAIT commands served so far by all nodes. */
            long waitCalls() {
                long calls = 0;
                for (RedisProcess node : nodes) {
                    try (Jedis jedis = new Jedis(node.address())) {
                        for (String line : jedis.info("commandstats").split("\r?\n")) {
                            if (line.startsWith("cmdstat_wait:calls=")) {
                                calls += Long.parseLong(line.substring("cmdstat_wait:calls=".length(), line.indexOf(',')));
                            }
                        }
                    }
                }
                return calls;
            }
        }

        private final Map<String, Running> running = new LinkedHashMap<>();

        Running get(String kind) {
            return running.computeIfAbsent(kind, Redises::start);
        }

        private static Running start(String kind) {
            System.out.printf("== starting Redis: %s%n", describe(kind));
            switch (kind) {
                case "single" -> {
                    RedisProcess node = RedisProcess.start();
                    return new Running(node.url(), node.url(), List.of(node), node);
                }
                case "cluster" -> {
                    RedisCluster cluster = RedisCluster.start();
                    // with global pub/sub a cluster relays every PUBLISH to every node: one pattern subscriber hears all
                    // channels; sharded pub/sub is heard per master (listener())
                    return new Running(cluster.url(), cluster.nodes().get(0).url(), cluster.nodes(), cluster);
                }
                default -> {
                    RedisProcess master = RedisProcess.start();
                    RedisProcess replica = RedisProcess.start(FreePorts.any(), List.of("--replicaof", "127.0.0.1", String.valueOf(master.port())));
                    awaitReplica(master);
                    return new Running(master.url(), master.url(), List.of(master, replica), () -> {
                        replica.close();
                        master.close();
                    });
                }
            }
        }

        /** Until the master counts its replica as connected (what {@code auto} asks before it waits for one). */
        private static void awaitReplica(RedisProcess master) {
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (System.nanoTime() < deadline) {
                try (Jedis jedis = new Jedis(master.address())) {
                    if (jedis.info("replication").contains("connected_slaves:1")) {
                        return;
                    }
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
            throw new IllegalStateException("the replica did not connect to its master in 30 s");
        }

        @Override
        public void close() throws Exception {
            for (Running r : running.values()) {
                r.owner().close();
            }
        }
    }
}
