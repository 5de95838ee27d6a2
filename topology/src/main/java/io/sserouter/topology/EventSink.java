package io.sserouter.topology;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * Where the topology's writes go: Redis in production ({@link RedisSink}); an in-memory Redis running the same
 * scripts in tests. Every write is idempotent, so a batch may be repeated after any failure.
 */
public interface EventSink extends AutoCloseable {
    /** Thrown when the store cannot be reached; the batch is intact and may be retried. */
    final class UnavailableException extends Exception {
        public UnavailableException(Throwable cause) {
            super(cause.getMessage(), cause);
        }
    }

    /**
     * How a batch went: written now, already there (a repeat), refused for good (e.g. a key of the wrong type), or
     * refused because the execution's keys end below the seq before it ({@code behind}: Redis lost writes it had
     * acknowledged, see {@link #writeAcceptingGaps}).
     */
    record Outcome(int written, int alreadyPresent, int rejected, int behind) {
        public Outcome(int written, int alreadyPresent, int rejected) {
            this(written, alreadyPresent, rejected, 0);
        }
    }

    /** How long the pipeline heartbeat is kept, so an old mark still says when the pipeline stopped. */
    long HEARTBEAT_TTL_SECONDS = 3_600;

    /**
     * Performs every write of the batch, in order. An execution event whose execution's keys end below the seq before
     * it is not written but counted as {@code behind}: seqs are written in order without gaps, so Redis has lost
     * writes it acknowledged, which the caller writes again first if it still has them.
     */
    Outcome write(List<SinkWrite> batch) throws UnavailableException;

    /**
     * {@link #markInputs} then {@link #write}, in that order: the mark is never behind a write. Redis takes both in one
     * round trip where it can keep their order (one node); a cluster's pipeline reaches several nodes in any order.
     */
    default Outcome write(List<SinkWrite> batch, String applicationId, Map<String, Long> inputs) throws UnavailableException {
        if (!inputs.isEmpty()) {
            markInputs(applicationId, inputs);
        }
        return write(batch);
    }

    /** As {@link #write}, but writes an event even when its execution's keys end below the seq before it. */
    default Outcome writeAcceptingGaps(List<SinkWrite> batch) throws UnavailableException {
        return write(batch);
    }

    /**
     * Where batches are written from. The default writes on the caller's thread, so a flush returns with the batch
     * written: what a test driving the topology step by step wants. The Redis sink writes on threads of its own, so a
     * stream thread goes on processing while Redis works.
     */
    default Executor sender() {
        return Runnable::run;
    }

    /**
     * What Redis holds of one execution beyond a seq: the last seq it has, and the events still in its log after that
     * seq (a log that has expired leaves only the last seq, from the snapshot).
     */
    record Written(long lastSeq, List<Logged> events) {
    }

    /** One event of an execution's log: its seq, its identity ({@link SinkWrite#dedupId}) and its envelope. */
    record Logged(long seq, String identity, String envelope) {
    }

    /**
     * Records, before a batch is sent, the input positions its writes were made for ({@code topic/partition} to the
     * highest offset); Redis keeps the highest position ever recorded of each input.
     */
    void markInputs(String applicationId, Map<String, Long> positions) throws UnavailableException;

    /** The positions {@link #markInputs} recorded, {@code topic/partition} to offset. */
    Map<String, Long> inputMarks(String applicationId) throws UnavailableException;

    /** What Redis holds of {@code executionId} after {@code seq}. */
    Written writtenAfter(String executionId, long seq) throws UnavailableException;

    /**
     * How many times so far the sink found Redis unreachable or mid-failover (a connection lost, a slot's master
     * changed). A writer that sees it grow sends its recent writes again: a master that took over may lack the last
     * writes the one before it acknowledged, since replication is asynchronous.
     */
    default long failures() {
        return 0;
    }

    /** Marks the pipeline alive at {@code nowMillis} (kept {@link #HEARTBEAT_TTL_SECONDS}). */
    void heartbeat(long nowMillis);

    @Override
    void close();
}
