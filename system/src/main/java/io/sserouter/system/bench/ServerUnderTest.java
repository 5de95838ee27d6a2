package io.sserouter.system.bench;

import java.io.IOException;
import java.util.List;

/** A server the shared SSE load runs against: the edge, or nginx with nchan. */
interface ServerUnderTest extends AutoCloseable {
    /** Short name for tables and plots. */
    String name();

    /** How it is configured, one line for the report. */
    String description();

    int port();

    /** The server's processes as they are now (nginx: the master and its workers). */
    List<Long> pids();

    /** Makes channels 0..n-1 ready for subscribers (the edge holds a stream only once its execution has an event). */
    void prepare(int channels) throws Exception;

    /** The raw HTTP request that subscribes connection {@code connection} to channel {@code channel}. */
    String subscribeRequest(int connection, int channel);

    /** A publisher of events to this server's channels, on the path a producer would use. */
    Publisher publisher() throws Exception;

    /** Called before memory is read, so resident memory holds what the connections need (a JVM collects garbage). */
    default void settle() throws Exception {
    }

    /** Live heap in bytes after {@link #settle()} for a JVM, or -1. */
    default long liveHeap() throws Exception {
        return -1;
    }

    @Override
    void close() throws Exception;

    interface Publisher extends AutoCloseable {
        /** Sends one event stamped with its send time; does not wait for subscribers. */
        void publishStamped(int channel, long seq) throws IOException;

        /** One event to each of channels 0..n-1 (their seqs from {@code next}, advanced), as one pipelined batch. */
        void publishRound(int channels, long[] next) throws IOException;

        @Override
        void close() throws IOException;
    }

    /** The event every server carries: an envelope as the topology writes it, about 128 bytes of payload. */
    static String envelope(String executionId, long seq, boolean stamped) {
        return "{\"execution_id\":\"" + executionId + "\",\"seq\":" + seq + ",\"event_type\":\"pod_running\",\"status\":\"running\""
                + (stamped ? ",\"sent_ns\":" + System.nanoTime() : "") + ",\"data\":{\"p\":\"" + "x".repeat(40) + "\"}}";
    }
}
