package io.sserouter.system.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

/**
 * What a resume costs the edge: a client reconnecting with {@code Last-Event-ID} 100 events behind the end of an
 * execution's log, timed from connect to the 100th replayed event, one at a time; then a reconnect storm, many
 * clients resuming at once, timed until the last has its 100 events.
 */
final class ResumeBench {
    static final int REPLAYED = 100;
    private static final int EXECUTIONS = 100;
    private static final int LOG_EVENTS = 150;
    private static final int USERS_FROM = 1_000_000; // users of their own, apart from the held connections'

    record Settings(int sequential, int warmup, int storm) {
    }

    record Figures(int resumes, double perSecond, double p50Ms, double p99Ms, double maxMs, int stormClients, int stormResumed, double stormSeconds,
                   double stormPerSecond, double stormP50Ms, double stormP99Ms) {
    }

    private final Settings settings;

    ResumeBench(Settings settings) {
        this.settings = settings;
    }

    Figures run(EdgeServer edge) throws Exception {
        System.out.printf("== resume: Last-Event-ID %d events behind the end of a %d-event log, %d executions%n", REPLAYED, LOG_EVENTS, EXECUTIONS);
        try (Jedis jedis = edge.jedis()) {
            for (int e = 0; e < EXECUTIONS; e++) {
                String id = "r" + e;
                Pipeline p = jedis.pipelined();
                for (int seq = 1; seq <= LOG_EVENTS; seq++) {
                    edge.writeEvent(p, id, seq, ServerUnderTest.envelope(id, seq, false));
                }
                p.sync();
            }
        }
        long lastEventId = LOG_EVENTS - REPLAYED;
        int user = USERS_FROM;
        try (SseLoad load = new SseLoad()) {
            long[] sequential = new long[0];
            long sequentialNanos = 0;
            for (int round = 0; round < 2; round++) {
                int count = round == 0 ? settings.warmup() : settings.sequential();
                List<Long> durations = new ArrayList<>();
                long start = System.nanoTime();
                for (int i = 0; i < count; i++) {
                    SseLoad.Burst one = load.burst(edge.port(), List.of(edge.request("r" + (i % EXECUTIONS), user++, lastEventId)), REPLAYED, true);
                    if (one.await(Duration.ofSeconds(10)) == 1) {
                        durations.add(one.sortedDurations()[0]);
                    }
                }
                sequential = durations.stream().mapToLong(Long::longValue).sorted().toArray();
                sequentialNanos = System.nanoTime() - start;
            }
            System.out.printf("   one at a time: %d resumes (after %d not counted); connect to %dth replayed event p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                    sequential.length, settings.warmup(), REPLAYED, LoadScenario.pct(sequential, 0.5), LoadScenario.pct(sequential, 0.99),
                    LoadScenario.pct(sequential, 1.0));

            List<String> requests = new ArrayList<>();
            for (int i = 0; i < settings.storm(); i++) {
                requests.add(edge.request("r" + (i % EXECUTIONS), user++, lastEventId));
            }
            SseLoad.Burst storm = load.burst(edge.port(), requests, REPLAYED, false);
            int resumed = storm.await(Duration.ofSeconds(120));
            long[] stormDurations = storm.sortedDurations();
            double seconds = storm.elapsedNanos() / 1e9;
            System.out.printf("   storm: %d of %d clients resumed at once (%d refused) in %.2f s: %.0f resumes/s (%,d events/s);"
                            + " per client p50 %.0f ms, p99 %.0f ms%n",
                    resumed, settings.storm(), load.refused(), seconds, resumed / seconds, (long) (resumed * REPLAYED / seconds),
                    LoadScenario.pct(stormDurations, 0.5), LoadScenario.pct(stormDurations, 0.99));
            return new Figures(sequential.length, sequential.length / (sequentialNanos / 1e9), LoadScenario.pct(sequential, 0.5), LoadScenario.pct(sequential, 0.99), LoadScenario.pct(sequential, 1.0),
                    settings.storm(), resumed, seconds, resumed / seconds, LoadScenario.pct(stormDurations, 0.5), LoadScenario.pct(stormDurations, 0.99));
        }
    }
}
