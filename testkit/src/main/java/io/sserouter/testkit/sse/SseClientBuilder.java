package io.sserouter.testkit.sse;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/** How an {@link SseClient} connects; every option has a browser's default. */
public final class SseClientBuilder {
    final URI uri;
    final Map<String, String> headers = new LinkedHashMap<>();
    String lastEventId;
    boolean resumeByQuery;
    boolean reconnect = true;
    boolean leaveOnShutdown = true;
    long retryMillis = 3_000;
    int receiveBuffer;
    int stallAfter;
    Duration stallFor = Duration.ZERO;
    Predicate<SseEvent> endsWith = e -> false;
    Duration leaveAtEnd;
    SseClient.Listener listener;

    SseClientBuilder(URI uri) {
        this.uri = uri;
    }

    public SseClientBuilder header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    public SseClientBuilder headers(Map<String, String> more) {
        headers.putAll(more);
        return this;
    }

    public SseClientBuilder bearer(String token) {
        return header("Authorization", "Bearer " + token);
    }

    /** The id to resume after from the first connection on ({@code "0"}: every event from seq 1). */
    public SseClientBuilder lastEventId(String id) {
        this.lastEventId = id;
        return this;
    }

    /** Resumes with {@code ?lastEventId=} instead of the header. */
    public SseClientBuilder resumeByQuery() {
        this.resumeByQuery = true;
        return this;
    }

    /** One connection only. */
    public SseClientBuilder once() {
        this.reconnect = false;
        return this;
    }

    /** The reconnection delay until the server sends {@code retry:} (a browser's is about 3 s). */
    public SseClientBuilder retry(Duration delay) {
        this.retryMillis = delay.toMillis();
        return this;
    }

    /** Stays on a stream after a {@code shutdown} event (a plain EventSource without the page's handler). */
    public SseClientBuilder ignoreShutdown() {
        this.leaveOnShutdown = false;
        return this;
    }

    /** A small socket receive buffer, so the server feels a client that stops reading. */
    public SseClientBuilder receiveBuffer(int bytes) {
        this.receiveBuffer = bytes;
        return this;
    }

    /** Stops reading for {@code duration} once {@code events} events arrived, with the connection open. */
    public SseClientBuilder stallAfter(int events, Duration duration) {
        this.stallAfter = events;
        this.stallFor = duration;
        return this;
    }

    /** The event after which the end of a stream is final (a closing event): no reconnect then. */
    public SseClientBuilder endsWith(Predicate<SseEvent> end) {
        this.endsWith = end;
        return this;
    }

    /**
     * Closes the stream {@code linger} after the end event, as an application closes its EventSource once it has what
     * it came for (the linger takes stragglers): for a stream the server never ends itself, such as the user stream.
     */
    public SseClientBuilder leaveAtEnd(Duration linger) {
        this.leaveAtEnd = linger;
        return this;
    }

    public SseClientBuilder listener(SseClient.Listener listener) {
        this.listener = listener;
        return this;
    }

    /** The client, not connected yet: {@link SseClient#follow(Duration)} runs it on the calling thread. */
    public SseClient build() {
        return new SseClient(this);
    }

    /** The client, following on a daemon thread of its own for at most {@code limit}. */
    public SseClient start(Duration limit) {
        SseClient client = build();
        Thread thread = new Thread(() -> client.follow(limit), "sse-client");
        thread.setDaemon(true);
        client.thread = thread;
        thread.start();
        return client;
    }

    /** Same as {@code start(Duration.ofHours(1))}. */
    public SseClient start() {
        return start(Duration.ofHours(1));
    }
}
