package io.sserouter.topology;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writes a processor has made safe in its store and not yet sent to Redis, and their sending in one pipeline.
 * A batch is sent on the sink's sender, so the stream thread goes on processing while Redis works; at most one batch
 * is in flight, so a batch is sent only once the one before it is written, which keeps each execution's writes in
 * seq order (a later seq written first would make Redis refuse the earlier one). Acknowledgements are handed over on
 * the stream thread, at the next flush. While Redis is unreachable the batch is retried with backoff, but the
 * stream thread waits for it at most {@code redisMaxBlock} per flush, so it keeps polling Kafka and stays in its
 * group; the writes wait, and a caller that flushes on a full batch slows intake to the retry pace.
 *
 * <p>Redis replication is asynchronous, so a master that dies can take writes it acknowledged with it. The writer
 * keeps the execution writes acknowledged lately ({@link AcknowledgedWrites}) and,
 * whenever the sink has found Redis failing since, sends them again before anything
 * else: each is idempotent, so those Redis still has change nothing, and those a new master lacks are written again,
 * in seq order, before any later write of their execution.
 */
final class RedisWriter {
    private static final Logger LOG = LoggerFactory.getLogger(RedisWriter.class);
    private static final Duration MIN_BACKOFF = Duration.ofMillis(50);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(1);
    private static final Duration LOG_EVERY = Duration.ofSeconds(30);

    private final String name;
    private final EventSink sink;
    private final TopologySettings settings;
    private final TopologyMetrics metrics;
    private List<SinkWrite> waiting = new ArrayList<>();
    /** The input positions the waiting writes were made for, recorded in Redis before they are sent (the direct path). */
    private Map<String, Long> waitingInputs = new HashMap<>();
    /** The batch being sent, and whether Redis has all of it; null when none is. */
    private List<SinkWrite> sending;
    private Map<String, Long> sendingInputs;
    private CompletableFuture<Boolean> sent;
    private volatile boolean closed;
    private Duration backoff = MIN_BACKOFF;
    private long failingSince;
    private long lastWarning;
    /** Execution writes Redis acknowledged lately; used on the sender only. */
    private final AcknowledgedWrites recent;
    /** The sink's failure count when the recent writes were last known to be in Redis (-1: none sent yet); sender only. */
    private long failuresSeen = -1;

    RedisWriter(String name, EventSink sink, TopologySettings settings, TopologyMetrics metrics) {
        this.name = name;
        this.sink = sink;
        this.settings = settings;
        this.metrics = metrics;
        // a write no later one confirms is kept for half its log's lifetime: sent again later, it could bring back a log
        // that expired
        this.recent = new AcknowledgedWrites(settings.redisResendWindow(), settings.logTtl().dividedBy(2));
    }

    void add(SinkWrite write) {
        waiting.add(write);
        metrics.pending(1);
    }

    int waiting() {
        return waiting.size();
    }

    /** Notes that the writes added from now on were made for input records up to {@code offset} of {@code input}. */
    void reached(String input, long offset) {
        waitingInputs.merge(input, offset, Math::max);
    }

    /**
     * Sends what waits, once the batch in flight is written (waiting for it at most {@code redisMaxBlock}). Tells
     * {@code acknowledged}, on this thread, of every batch Redis has (written or already there), and forgets it.
     * For a caller that must not run further ahead of Redis: a full batch, a restart's writes.
     */
    void flush(Consumer<List<SinkWrite>> acknowledged) {
        flush(acknowledged, settings.redisMaxBlock());
    }

    /**
     * As {@link #flush}, without waiting: while a batch is in flight, what waits goes with the next one. Called after
     * every write, a write goes as soon as it is made when Redis is idle, and those made during a round trip go
     * together after it; the stream thread goes on processing meanwhile instead of waiting for each round trip.
     */
    void flushIfIdle(Consumer<List<SinkWrite>> acknowledged) {
        flush(acknowledged, Duration.ZERO);
    }

    /**
     * What a processor calls after each {@link #add}: {@link #flush} once {@code SSE_REDIS_BATCH} writes wait, so intake
     * slows to Redis's pace; {@link #flushIfIdle} otherwise.
     */
    void flushAfterAdd(Consumer<List<SinkWrite>> acknowledged) {
        flush(acknowledged, waiting.size() >= settings.flushBatch() ? settings.redisMaxBlock() : Duration.ZERO);
    }

    private void flush(Consumer<List<SinkWrite>> acknowledged, Duration patience) {
        if (sending != null && !settle(acknowledged, patience)) {
            return; // still in flight or retrying: the writes wait, in order, behind it
        }
        if (!waiting.isEmpty()) {
            List<SinkWrite> batch = waiting;
            Map<String, Long> inputs = waitingInputs;
            waiting = new ArrayList<>();
            waitingInputs = new HashMap<>();
            sending = batch;
            sendingInputs = inputs;
            sent = CompletableFuture.supplyAsync(() -> write(batch, inputs, settings.redisMaxBlock()), sink.sender());
            settle(acknowledged, Duration.ZERO); // a sender on this thread has written it already
        }
    }

    /** Waits up to {@code patience} for the batch in flight; true once none is (acknowledged, or put back to wait). */
    private boolean settle(Consumer<List<SinkWrite>> acknowledged, Duration patience) {
        if (patience.isZero() && !sent.isDone()) {
            return false; // without the cost of a TimeoutException, on every write
        }
        boolean written;
        try {
            written = sent.get(patience.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            written = false; // write() catches what a sink throws; this would be an Error, and the batch is kept
        }
        List<SinkWrite> batch = sending;
        Map<String, Long> inputs = sendingInputs;
        sending = null;
        sendingInputs = null;
        sent = null;
        if (written) {
            acknowledged.accept(batch);
            metrics.pending(-batch.size());
        } else {
            batch.addAll(waiting); // first again, so nothing overtakes it
            waiting = batch;
            waitingInputs.forEach((input, offset) -> inputs.merge(input, offset, Math::max));
            waitingInputs = inputs;
        }
        return true;
    }

    /**
     * Waits for the batch in flight, then makes one last attempt at what waits, without telling anyone: the caller's
     * store may be gone, and what it lists is written again by whichever instance restores it.
     */
    void close() {
        if (sending != null) {
            settle(batch -> { }, settings.redisMaxBlock());
        }
        closed = true;
        if (sending == null && !waiting.isEmpty()) {
            write(waiting, waitingInputs, settings.redisMaxBlock());
        }
        metrics.pending(-(waiting.size() + (sending == null ? 0 : sending.size())));
        waiting.clear();
    }

    private boolean write(List<SinkWrite> batch, Map<String, Long> inputs, Duration patience) {
        long deadline = System.nanoTime() + patience.toNanos();
        while (true) {
            try {
                long failures = sink.failures();
                if (failuresSeen < 0) {
                    failuresSeen = failures;
                } else if (failures != failuresSeen) {
                    resendRecent();
                    failuresSeen = failures;
                }
                long start = System.nanoTime();
                EventSink.Outcome outcome = sink.write(batch, settings.applicationId(), inputs);
                if (outcome.behind() > 0) {
                    outcome = repair(batch, outcome);
                }
                metrics.redisBatch(System.nanoTime() - start, outcome.written(), outcome.alreadyPresent(), outcome.rejected());
                if (outcome.rejected() > 0) {
                    LOG.error("{}: Redis rejected {} of {} writes (wrong key type?); they are skipped", name, outcome.rejected(), batch.size());
                }
                recent.add(batch);
                recovered(batch.size());
                return true;
            } catch (EventSink.UnavailableException | RuntimeException e) {
                failed(e, batch.size());
                if (closed || System.nanoTime() + backoff.toNanos() > deadline) {
                    return false;
                }
                sleep(backoff);
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    /**
     * Redis refused writes of the batch because their executions' keys end below the seq before them: it lost writes
     * it had acknowledged. The recent writes go again first, then the batch; what none of them restores stays a gap
     * in the log (the batch is written over it, or it would wait forever), which resuming clients see as replay_gap.
     */
    private EventSink.Outcome repair(List<SinkWrite> batch, EventSink.Outcome first) throws EventSink.UnavailableException {
        resendRecent();
        EventSink.Outcome last = sink.write(batch);
        int written = first.written() + last.written();
        if (last.behind() > 0) {
            LOG.error("{}: Redis lost writes that it had acknowledged and that are no longer at hand (a failover without "
                    + "SSE_REDIS_WAIT_REPLICAS, more than 2,000 writes ago, or a restarted topology): {} events are "
                    + "written over a gap in their execution's log", name, last.behind());
            metrics.redisGaps(last.behind());
            last = sink.writeAcceptingGaps(batch);
            written += last.written();
        }
        return new EventSink.Outcome(written, batch.size() - written - last.rejected(), last.rejected());
    }

    /** Sends the recent writes again; those a new master lacked are counted as repaired. */
    private void resendRecent() throws EventSink.UnavailableException {
        List<SinkWrite> writes = recent.list();
        if (writes.isEmpty()) {
            return;
        }
        // over any gap: what the recent writes cannot fill is filled by nothing
        EventSink.Outcome outcome = sink.writeAcceptingGaps(writes);
        metrics.redisRepaired(outcome.written());
        if (outcome.written() > 0) {
            LOG.warn("{}: Redis lacked {} of the {} writes it had acknowledged last (a master lost them in a failover); "
                    + "they are written again", name, outcome.written(), writes.size());
        } else {
            LOG.info("{}: sent again the {} writes Redis had acknowledged last, after it failed; it still held them all", name, writes.size());
        }
    }

    private void failed(Exception e, int waiting) {
        metrics.redisFailure();
        long now = System.currentTimeMillis();
        if (failingSince == 0) {
            failingSince = now;
        }
        if (now - lastWarning >= LOG_EVERY.toMillis()) {
            lastWarning = now;
            LOG.warn("Redis unreachable for {} s ({}); {} writes of {} wait in the store and will be retried",
                    (now - failingSince) / 1000, e.getMessage(), waiting, name);
        }
    }

    private void recovered(int written) {
        if (failingSince != 0) {
            LOG.info("Redis reachable again after {} s; {} writes of {} caught up", (System.currentTimeMillis() - failingSince) / 1000, written, name);
            failingSince = 0;
            lastWarning = 0;
            metrics.redisRecovered();
        }
        backoff = MIN_BACKOFF;
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
