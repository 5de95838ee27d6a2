package io.sserouter.system.bench;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.stream.LongStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;

/**
 * Measures a pipeline from the source topics into Redis (the topology, or the raw pipe it is compared with) the
 * same way for each, through what a Redis subscriber of the execution channels receives:
 * <ol>
 *   <li>drain: the pipeline starts on a backlog already in the topics; events/s = backlog events / time from the
 *       first publish to the last (start-up is reported apart);</li>
 *   <li>latency: events produced at a fixed rate, each stamped with its send time; produce-to-publish time is the
 *       subscriber's receive time minus that stamp (one JVM, one clock).</li>
 * </ol>
 */
final class PublishMeter {
    /** {@code drained} is below {@code events} when the drain did not finish in time; events/s is of what it did. */
    record Figures(long events, double drainSeconds, double eventsPerSecond, double startupSeconds, int rate,
                   long latencySamples, double p50ms, double p99ms, double maxMs, long drained) {
        boolean complete() {
            return drained >= events;
        }
    }

    /** A pipeline under measurement, started once the subscriber listens. */
    interface Pipeline extends AutoCloseable {
        /** Called between the drain and the paced phase, before the first paced event is produced. */
        default void goLive() throws Exception {
        }
    }

    interface Starter {
        Pipeline start() throws Exception;
    }

    private static final Duration DRAIN_LIMIT = Duration.ofMinutes(3);

    private PublishMeter() {
    }

    /** Where the meter hears what the pipeline publishes: it listens before the pipeline starts. */
    interface Listener extends AutoCloseable {
        /** Subscribes, handing each message received to {@code onMessage}; returns once the subscriptions are confirmed. */
        void listen(Consumer<String> onMessage) throws Exception;

        @Override
        void close();
    }

    /** Global pub/sub: a pattern subscriber on one node (in a cluster, any node hears every PUBLISH). */
    static Listener pattern(String redisUrl, String channelPattern) {
        return new Listener() {
            private final CountDownLatch subscribed = new CountDownLatch(1);
            private JedisPubSub sub;

            @Override
            public void listen(Consumer<String> onMessage) throws Exception {
                sub = new JedisPubSub() {
                    @Override
                    public void onPSubscribe(String pattern, int count) {
                        subscribed.countDown();
                    }

                    @Override
                    public void onPMessage(String pattern, String channel, String message) {
                        onMessage.accept(message);
                    }
                };
                Thread subscriber = new Thread(() -> {
                    try (Jedis jedis = new Jedis(URI.create(redisUrl))) {
                        jedis.psubscribe(sub, channelPattern);
                    } catch (RuntimeException ignored) {
                        // unsubscribed
                    }
                }, "bench-subscriber");
                subscriber.setDaemon(true);
                subscriber.start();
                if (!subscribed.await(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("no Redis subscription after 10 s");
                }
            }

            @Override
            public void close() {
                if (sub != null && sub.isSubscribed()) {
                    sub.punsubscribe();
                }
            }
        };
    }

    /**
     * @param listener what hears the execution channels the pipeline publishes to
     * @param run      prefix of the source topics the paced events go to
     * @param backlog  events already in the topics that the pipeline must publish
     */
    static Figures measure(Listener listener, KafkaProducer<String, byte[]> producer, String run, long backlog,
                           int rate, int latencySeconds, Starter starter) throws Exception {
        AtomicLong received = new AtomicLong();
        List<Long> latencies = new ArrayList<>();
        boolean[] measuring = {false};
        listener.listen(message -> {
            received.incrementAndGet();
            long sent = measuring[0] ? Lifecycle.sentNanos(message) : -1;
            if (sent > 0) {
                long latency = System.nanoTime() - sent;
                synchronized (latencies) {
                    latencies.add(latency);
                }
            }
        });
        try {
            Map<String, Long> cpuBefore = BenchKit.cpuByComponent();
            long start = System.nanoTime();
            try (Pipeline pipeline = starter.start()) {
                long deadline = System.nanoTime() + DRAIN_LIMIT.toNanos();
                long firstAt = 0;
                while (received.get() < backlog && System.nanoTime() < deadline) {
                    if (firstAt == 0 && received.get() > 0) {
                        firstAt = System.nanoTime();
                    }
                    Thread.sleep(5);
                }
                long from = firstAt == 0 ? start : firstAt;
                double seconds = (System.nanoTime() - from) / 1e9;
                long drained = Math.min(backlog, received.get());
                BenchKit.printCpu(cpuBefore, backlog);
                System.out.printf("   drained %d of %d events in %.1f s (%.0f events/s; start-up to first publish %.1f s)%n",
                        received.get(), backlog, seconds, received.get() / seconds, (from - start) / 1e9);

                pipeline.goLive();
                System.out.printf("   latency: %d events/s for %d s%n", rate, latencySeconds);
                measuring[0] = true;
                long paced = (long) rate * latencySeconds;
                long interval = 1_000_000_000L / rate;
                long t0 = System.nanoTime();
                for (long i = 0; i < paced; i++) {
                    long due = t0 + i * interval;
                    // parked, not spun: a spinning sender would take one of the machine's cores from the pipeline
                    // under test for the whole phase; each event is stamped when it is actually sent
                    for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                        LockSupport.parkNanos(wait);
                    }
                    Lifecycle.send(producer, run, pacedExecution(i), (int) (i % Lifecycle.length()), true);
                }
                producer.flush();
                long latencyDeadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (sampleCount(latencies) < paced && System.nanoTime() < latencyDeadline) {
                    Thread.sleep(20);
                }
                List<Long> sorted;
                synchronized (latencies) {
                    sorted = new ArrayList<>(latencies);
                }
                sorted.sort(Long::compare);
                return new Figures(backlog, seconds, drained / seconds, (from - start) / 1e9, rate, sorted.size(),
                        BenchKit.percentileMs(sorted, 0.50), BenchKit.percentileMs(sorted, 0.99),
                        sorted.isEmpty() ? Double.NaN : sorted.get(sorted.size() - 1) / 1e6, drained);
            }
        } finally {
            listener.close();
        }
    }

    /** The execution of the paced phase's {@code i}-th event: each runs its whole lifecycle. */
    private static String pacedExecution(long i) {
        return "l" + (i / Lifecycle.length());
    }

    /** The executions of a paced phase of {@code rate} events/s for {@code seconds}. */
    static List<String> pacedExecutions(int rate, int seconds) {
        return LongStream.range(0, (long) rate * seconds).mapToObj(PublishMeter::pacedExecution).distinct().toList();
    }

    private static int sampleCount(List<Long> latencies) {
        synchronized (latencies) {
            return latencies.size();
        }
    }
}
