package io.sserouter.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The stream thread hands a batch to the sink's sender and goes on; the next batch leaves only once Redis has the one
 * before it, and a batch Redis could not take is sent again ahead of everything added since, so each execution's
 * writes reach Redis in seq order and each is acknowledged once.
 */
class RedisWriterTest {
    private final ExecutorService sender = Executors.newSingleThreadExecutor();
    private final List<List<Long>> sent = new CopyOnWriteArrayList<>();
    private final List<Long> acknowledged = new ArrayList<>();

    @AfterEach
    void stop() {
        sender.shutdownNow();
    }

    private static SinkWrite write(long seq) {
        return new SinkWrite(SinkWrite.Kind.EXECUTION, "x", seq, "id:" + seq, "t/0/" + seq, "{}", "{}", false);
    }

    private RedisWriter writer(Sink sink, int maxBlockMillis) {
        return writer(sink, Map.of("SSE_REDIS_MAX_BLOCK_MS", String.valueOf(maxBlockMillis)));
    }

    private RedisWriter writer(Sink sink, Map<String, String> env) {
        return new RedisWriter("test", sink, TopologySettings.fromEnv(env), new TopologyMetrics(new SimpleMeterRegistry()));
    }

    private void flush(RedisWriter writer) {
        writer.flush(batch -> batch.forEach(w -> acknowledged.add(w.seq())));
    }

    @Test
    void theStreamThreadDoesNotWaitForRedisAndTheNextBatchWaitsForTheOneBefore() throws Exception {
        CountDownLatch redisBusy = new CountDownLatch(1);
        RedisWriter writer = writer(new Sink(batch -> redisBusy.await()), 60_000);
        writer.add(write(1));
        // a flush that waited for Redis would block for SSE_REDIS_MAX_BLOCK_MS, a minute
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> flush(writer), "flush returns while Redis is still writing");
        assertEquals(List.of(), acknowledged, "nothing acknowledged before Redis has it");

        writer.add(write(2));
        List<List<Long>> sentWhileBusy = new CopyOnWriteArrayList<>();
        new Thread(() -> {
            sleep(300);
            sentWhileBusy.addAll(sent);
            redisBusy.countDown();
        }).start();
        flush(writer); // waits for batch 1, then sends 2
        flush(writer);
        assertEquals(List.of(List.of(1L)), sentWhileBusy, "2 is not sent while 1 is being written");
        assertEquals(List.of(List.of(1L), List.of(2L)), sent);
        assertEquals(List.of(1L, 2L), acknowledged);
        assertEquals(0, writer.waiting());
    }

    @Test
    void aWriteMadeWhileRedisIsIdleGoesAtOnceAndThoseMadeDuringARoundTripGoTogetherAfterIt() throws Exception {
        CountDownLatch redisBusy = new CountDownLatch(1);
        RedisWriter writer = writer(new Sink(batch -> redisBusy.await()), 60_000);
        Runnable flushIfIdle = () -> writer.flushIfIdle(batch -> batch.forEach(w -> acknowledged.add(w.seq())));
        writer.add(write(1));
        flushIfIdle.run();
        awaitSent(1);
        assertEquals(List.of(List.of(1L)), sent, "sent without waiting for a flush interval or a full batch");

        writer.add(write(2));
        // waiting for the batch in flight would block for SSE_REDIS_MAX_BLOCK_MS, a minute
        assertTimeoutPreemptively(Duration.ofSeconds(20), flushIfIdle::run, "the stream thread goes on while Redis writes");
        writer.add(write(3));
        flushIfIdle.run();
        assertEquals(List.of(List.of(1L)), sent, "nothing overtakes the batch in flight");
        assertEquals(2, writer.waiting());

        redisBusy.countDown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (acknowledged.isEmpty() && System.nanoTime() < deadline) {
            flushIfIdle.run(); // what a punctuation does
            Thread.sleep(5);
        }
        awaitSent(2);
        assertEquals(List.of(List.of(1L), List.of(2L, 3L)), sent, "the writes made during the round trip go in one batch");
        flush(writer);
        assertEquals(List.of(1L, 2L, 3L), acknowledged);
    }

    private void awaitSent(int batches) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (sent.size() < batches && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aBatchRedisCouldNotTakeGoesAgainAheadOfLaterWrites() {
        AtomicInteger failures = new AtomicInteger(20); // longer than SSE_REDIS_MAX_BLOCK_MS of backoff
        RedisWriter writer = writer(new Sink(batch -> {
            if (failures.getAndDecrement() > 0) {
                throw new EventSink.UnavailableException(new IllegalStateException("Redis down"));
            }
        }), 200);
        writer.add(write(1));
        writer.add(write(2));
        flush(writer);
        writer.add(write(3));
        flush(writer); // waits for the first attempt, which gives up: 1 and 2 go again, with 3 behind them
        assertEquals(List.of(), acknowledged);

        failures.set(0);
        for (int i = 0; i < 20 && acknowledged.size() < 3; i++) {
            flush(writer);
        }
        assertEquals(List.of(1L, 2L, 3L), acknowledged, "each write acknowledged once, in order");
        assertTrue(sent.size() >= 2, "sent again after the failure: " + sent);
        for (List<Long> attempt : sent) {
            assertTrue(attempt.equals(List.of(1L, 2L)) || attempt.equals(List.of(1L, 2L, 3L)), "3 never goes before 1 and 2: " + sent);
        }
    }

    @Test
    void afterRedisFailedTheWritesItAcknowledgedLastGoAgainFirst() {
        Sink sink = new Sink(batch -> { });
        RedisWriter writer = writer(sink, Map.of());
        writer.add(write(1));
        writer.add(write(2));
        flush(writer);
        flush(writer);
        sink.failures.incrementAndGet(); // say a master died and its replica took over
        writer.add(write(3));
        flush(writer);
        flush(writer);
        writer.add(write(4));
        flush(writer);
        flush(writer);
        assertEquals(List.of(List.of(1L, 2L), List.of(1L, 2L), List.of(3L), List.of(4L)), sent,
                "1 and 2 again before 3, in case the new master lacks them; once is enough");
        assertEquals(List.of(1L, 2L, 3L, 4L), acknowledged, "each acknowledged once");
    }

    @Test
    void withTheResendTurnedOffNothingGoesAgain() {
        Sink sink = new Sink(batch -> { });
        RedisWriter writer = writer(sink, Map.of("SSE_REDIS_RESEND_SECONDS", "0"));
        writer.add(write(1));
        flush(writer);
        flush(writer);
        sink.failures.incrementAndGet();
        writer.add(write(2));
        flush(writer);
        flush(writer);
        assertEquals(List.of(List.of(1L), List.of(2L)), sent);
    }

    @Test
    void aWriteRefusedBecauseRedisLostTheWritesBeforeItGoesAgainAfterThem() {
        OneLog redis = new OneLog();
        RedisWriter writer = writer(redis, Map.of());
        for (long seq = 1; seq <= 3; seq++) {
            writer.add(write(seq));
        }
        flush(writer);
        flush(writer);
        redis.lose(2); // a master that took over without the last two writes, and no error on the way
        writer.add(write(4));
        flush(writer);
        flush(writer);
        assertEquals(List.of(1L, 2L, 3L, 4L), redis.log, "2 and 3 written again before 4");
        assertEquals(List.of(1L, 2L, 3L, 4L), acknowledged);
    }

    @Test
    void whatNothingCanRestoreStaysAGapAndTheWritesGoOn() {
        OneLog redis = new OneLog();
        redis.log.add(1L); // written by an instance before a restart; 2 and 3 lost since
        RedisWriter writer = writer(redis, Map.of());
        writer.add(write(4));
        flush(writer);
        flush(writer);
        assertEquals(List.of(1L, 4L), redis.log);
        assertEquals(List.of(4L), acknowledged);
    }

    /** One execution's log as the write script keeps it: in order, a seq held once, a seq above a hole refused unless told. */
    private final class OneLog extends Sink {
        final List<Long> log = new CopyOnWriteArrayList<>();

        OneLog() {
            super(batch -> { });
        }

        void lose(int writes) {
            for (int i = 0; i < writes; i++) {
                log.remove(log.size() - 1);
            }
        }

        @Override
        public Outcome write(List<SinkWrite> batch) {
            return write(batch, true);
        }

        @Override
        public Outcome writeAcceptingGaps(List<SinkWrite> batch) {
            return write(batch, false);
        }

        private Outcome write(List<SinkWrite> batch, boolean checked) {
            sent.add(batch.stream().map(SinkWrite::seq).toList());
            int written = 0;
            int behind = 0;
            for (SinkWrite write : batch) {
                long last = log.isEmpty() ? 0 : log.get(log.size() - 1);
                if (write.seq() <= last) {
                    continue;
                }
                if (checked && write.seq() > last + 1) {
                    behind++;
                } else {
                    log.add(write.seq());
                    written++;
                }
            }
            return new Outcome(written, batch.size() - written - behind, 0, behind);
        }
    }

    /** Records each attempt, then behaves as {@code redis} says; sends from a thread of its own, as the Redis sink does. */
    private class Sink implements EventSink {
        private final Behaviour redis;
        final java.util.concurrent.atomic.AtomicLong failures = new java.util.concurrent.atomic.AtomicLong();

        Sink(Behaviour redis) {
            this.redis = redis;
        }

        @Override
        public Outcome write(List<SinkWrite> batch) throws UnavailableException {
            sent.add(batch.stream().map(SinkWrite::seq).toList());
            try {
                redis.write(batch);
            } catch (InterruptedException e) {
                throw new UnavailableException(e);
            }
            return new Outcome(batch.size(), 0, 0);
        }

        @Override
        public java.util.concurrent.Executor sender() {
            return sender;
        }

        @Override
        public long failures() {
            return failures.get();
        }

        @Override
        public void markInputs(String applicationId, Map<String, Long> positions) {
        }

        @Override
        public Map<String, Long> inputMarks(String applicationId) {
            return Map.of();
        }

        @Override
        public Written writtenAfter(String executionId, long seq) {
            return new Written(seq, List.of());
        }

        @Override
        public void heartbeat(long nowMillis) {
        }

        @Override
        public void close() {
        }
    }

    private interface Behaviour {
        void write(List<SinkWrite> batch) throws EventSink.UnavailableException, InterruptedException;
    }
}
