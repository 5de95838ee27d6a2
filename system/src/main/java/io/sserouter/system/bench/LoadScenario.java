package io.sserouter.system.bench;

import io.sserouter.testkit.RedisProcess;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * The same load against any server under test: hold N connections over M channels, read memory per connection,
 * publish at a fixed delivery rate to measure publish-to-receive latency, then publish as fast as the server
 * delivers to measure its throughput; CPU time of the server's processes (and of Redis) per delivery in both.
 */
final class LoadScenario {
    /** What to run. */
    record Settings(int connections, int channels, int latencyConnections, int deliveryRate, int seconds) {
    }

    /** What one server did. */
    record Figures(String server, String description, int asked, long held, double connectSeconds, double rssKbPerConnection,
                   double pssKbPerConnection, double heapKbPerConnection, int targetRate, double achievedRate, long latencySamples,
                   double p50Ms, double p90Ms, double p99Ms, double p999Ms, double maxMs, double cpuUsPerDelivery,
                   double redisCpuUsPerDelivery, double saturationPerSecond, double saturationCpuUsPerDelivery,
                   double saturationRedisCpuUsPerDelivery, long openAtEnd) {
    }

    private final Settings settings;
    private final List<Long> redisPids;

    LoadScenario(Settings settings, RedisProcess redis) {
        this(settings, List.of(redis.pid()));
    }

    /** On a Redis of several processes (a cluster): its CPU time is that of all of them. */
    LoadScenario(Settings settings, List<Long> redisPids) {
        this.settings = settings;
        this.redisPids = List.copyOf(redisPids);
    }

    Figures run(ServerUnderTest server) throws Exception {
        int connections = settings.connections();
        int channels = settings.channels();
        System.out.printf("== %s: %s%n", server.name(), server.description());
        server.prepare(channels);
        server.settle();
        List<Long> idlePids = server.pids();
        long rssIdle = ProcStats.rss(idlePids);
        long pssIdle = ProcStats.pss(idlePids);
        long threadsIdle = ProcStats.threads(idlePids);
        long heapIdle = server.liveHeap();
        try (SseLoad load = new SseLoad()) {
            long t0 = System.nanoTime();
            Meter opening = new Meter(server, load);
            load.hold(server.port(), connections, i -> server.subscribeRequest(i, i % channels));
            double connectSeconds = (System.nanoTime() - t0) / 1e9;
            long held = load.live();
            // what a reconnect storm costs: the server's (and Redis's) CPU time per connection it admitted
            Meter.Reading opened = opening.readPer(held);
            server.settle();
            Thread.sleep(1_000);
            List<Long> pids = server.pids();
            double perConnection = 1024.0 * Math.max(1, held);
            double rssKb = (ProcStats.rss(pids) - rssIdle) / perConnection;
            double pssKb = (ProcStats.pss(pids) - pssIdle) / perConnection;
            double heapKb = heapIdle < 0 ? Double.NaN : (server.liveHeap() - heapIdle) / perConnection;
            System.out.printf("   %d of %d connections held (opened in %.1f s, %d refused %s, CPU per connection opened %.0f µs, Redis %.0f µs);"
                            + " memory per connection: RSS %.1f KB, PSS %.1f KB%s; threads %d before, %d after%n",
                    held, connections, connectSeconds, load.refused(), load.refusedByStatus(), opened.serverCpuUs(), opened.redisCpuUs(), rssKb, pssKb,
                    Double.isNaN(heapKb) ? "" : String.format(", live heap after GC %.1f KB", heapKb), threadsIdle, ProcStats.threads(pids));

            long[] next = new long[channels];
            Arrays.fill(next, 2); // consecutive seqs per channel, so the edge never sees a gap
            int perEvent = Math.max(1, connections / channels);
            int latencyChannels = Math.max(1, channels * Math.min(settings.latencyConnections(), connections) / connections);
            int eventRate = Math.max(1, settings.deliveryRate() / perEvent);
            int seconds = settings.seconds();
            System.out.printf("   latency: %d events/s over %d channels (%d connections each) = %d deliveries/s for %d s%n",
                    eventRate, latencyChannels, perEvent, eventRate * perEvent, seconds);
            try (ServerUnderTest.Publisher publisher = server.publisher()) {
                // a warm-up at the same rate, not counted: a JVM compiles its hot paths first
                publishAtRate(publisher, next, eventRate, latencyChannels, Math.max(1, seconds / 2));
                Thread.sleep(500);
                Meter meter = new Meter(server, load);
                load.clearLatencies();
                double publishSeconds = publishAtRate(publisher, next, eventRate, latencyChannels, seconds);
                Thread.sleep(1_000);
                Meter.Reading latency = meter.read();
                long[] sorted = load.sortedLatencies();
                double achieved = latency.deliveries() / publishSeconds;
                System.out.printf("   %d deliveries (%.0f/s); latency p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms;"
                                + " CPU per delivery %.1f µs (Redis %.1f µs)%n",
                        latency.deliveries(), achieved, pct(sorted, 0.5), pct(sorted, 0.9), pct(sorted, 0.99), pct(sorted, 0.999),
                        pct(sorted, 1.0), latency.serverCpuUs(), latency.redisCpuUs());

                System.out.printf("   saturation: events to all %d channels as fast as they are delivered, %d s%n", channels, seconds);
                // a bounded number of deliveries in flight, so the rate is what the server sustains, not what its
                // buffers (or Redis's output buffer to a subscriber) absorb
                long window = Math.max(100_000, 20L * connections);
                meter = new Meter(server, load);
                long satStart = System.nanoTime();
                long deadline = satStart + seconds * 1_000_000_000L;
                long published = 0;
                long delivered0 = load.delivered();
                while (System.nanoTime() < deadline) {
                    if (published - (load.delivered() - delivered0) < window) {
                        publisher.publishRound(channels, next);
                        published += (long) channels * perEvent;
                    } else {
                        LockSupport.parkNanos(20_000); // not spinning: the publisher shares two cores with the server
                    }
                }
                // until all is delivered, or nothing more arrives (a connection that closed never gets its share)
                long lastProgress = System.nanoTime();
                long seen = load.delivered();
                while (load.delivered() - delivered0 < published && System.nanoTime() - lastProgress < 1_000_000_000L) {
                    Thread.sleep(5);
                    if (load.delivered() != seen) {
                        seen = load.delivered();
                        lastProgress = System.nanoTime();
                    }
                }
                double satSeconds = (lastProgress - satStart) / 1e9;
                Meter.Reading saturation = meter.read();
                double perSecond = saturation.deliveries() / satSeconds;
                System.out.printf("   %d deliveries in %.1f s: %.0f deliveries/s; CPU per delivery %.1f µs (Redis %.1f µs); %d connections still open%n",
                        saturation.deliveries(), satSeconds, perSecond, saturation.serverCpuUs(), saturation.redisCpuUs(), load.live());
                return new Figures(server.name(), server.description(), connections, held, connectSeconds, rssKb, pssKb, heapKb,
                        eventRate * perEvent, achieved, sorted.length, pct(sorted, 0.5), pct(sorted, 0.9), pct(sorted, 0.99), pct(sorted, 0.999),
                        pct(sorted, 1.0), latency.serverCpuUs(), latency.redisCpuUs(), perSecond, saturation.serverCpuUs(),
                        saturation.redisCpuUs(), load.live());
            }
        }
    }

    /** Publishes stamped events at a fixed rate round robin over the first channels; returns the seconds it took. */
    private static double publishAtRate(ServerUnderTest.Publisher publisher, long[] next, int eventRate, int channels, int seconds)
            throws Exception {
        long interval = 1_000_000_000L / eventRate;
        long start = System.nanoTime();
        for (long i = 0; i < (long) eventRate * seconds; i++) {
            long wait = start + i * interval - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait); // a late send does not skew latency: events carry their send time
            }
            int c = (int) (i % channels);
            publisher.publishStamped(c, next[c]++);
        }
        return (System.nanoTime() - start) / 1e9;
    }

    /** CPU ticks of the server's processes and of Redis, and deliveries, since it was made. */
    private final class Meter {
        record Reading(long deliveries, double serverCpuUs, double redisCpuUs) {
        }

        private final ServerUnderTest server;
        private final SseLoad load;
        private final long serverTicks;
        private final long redisTicks;
        private final long delivered;

        Meter(ServerUnderTest server, SseLoad load) throws Exception {
            this.server = server;
            this.load = load;
            this.serverTicks = ProcStats.cpuTicks(server.pids());
            this.redisTicks = ProcStats.cpuTicks(redisPids);
            this.delivered = load.delivered();
        }

        /** The deliveries since, and the CPU time per delivery. */
        Reading read() throws Exception {
            return readPer(load.delivered() - delivered);
        }

        /** The CPU time since, per one of {@code count} things done meanwhile (deliveries, connections opened). */
        Reading readPer(long count) throws Exception {
            long n = Math.max(1, count);
            return new Reading(n, (ProcStats.cpuTicks(server.pids()) - serverTicks) * 10_000.0 / n,
                    (ProcStats.cpuTicks(redisPids) - redisTicks) * 10_000.0 / n);
        }
    }

    static double pct(long[] sorted, double p) {
        return sorted.length == 0 ? Double.NaN : sorted[(int) Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] / 1e6;
    }
}
