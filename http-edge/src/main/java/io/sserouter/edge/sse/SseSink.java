package io.sserouter.edge.sse;

/** Where a stream's events go: an HTTP SSE response in production, a recorder in tests. */
public interface SseSink {
    /** Writes one event; false when the client is gone. */
    boolean event(String id, String event, String data);

    /** Writes one relayed message as {@code id: seq}, {@code event: type}, {@code data: envelope}. */
    default boolean event(Published message) {
        return event(String.valueOf(message.seq()), message.eventType(), message.json());
    }

    /** Writes one relayed message under its own {@code id} (none when null), as {@code event: type}, {@code data: envelope}. */
    default boolean event(String id, Published message) {
        return event(id, message.eventType(), message.json());
    }

    boolean comment(String text);

    /** Sets the client's reconnection delay ({@code retry:}). */
    boolean retry(long millis);

    void close();
}
