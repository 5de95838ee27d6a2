package io.sserouter.testkit.sse;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;

/**
 * A browser's EventSource over a plain socket: follows one URL, reconnects after every close (after the server's
 * {@code retry:} delay, or the {@code Retry-After} of a refusal, or the delay a {@code shutdown} event names) and
 * sends the last event id it saw as {@code Last-Event-ID} (or as {@code ?lastEventId=}). It records every event, the
 * HTTP status of every connection, and lines no SSE field explains. It reads chunked and gzip bodies (nginx, browsers'
 * {@code Accept-Encoding}), and can stop reading for a while with the socket open, like a frozen tab.
 *
 * <p>Build one with {@link #to(URI)}, then {@link Builder#start()} (own thread) or {@link #follow(Duration)} (this one).
 */
public final class SseClient implements AutoCloseable {
    /** Called on the client's thread. */
    public interface Listener {
        default void onOpen(int status) {
        }

        default void onEvent(SseEvent event) {
        }
    }

    private final Builder config;
    private final List<SseEvent> events = new ArrayList<>();
    private final List<Integer> statuses = new ArrayList<>();
    private final List<String> unknownLines = new ArrayList<>();
    private volatile Map<String, String> headers = Map.of();
    private volatile String lastEventId;
    private volatile long retryMillis;
    private volatile long stallUntil;
    private volatile boolean connected;
    private volatile boolean closed;
    private volatile boolean finished;
    private volatile Socket socket;
    private volatile Thread thread;
    private int attempts;
    private int cutBeforeEnd;
    private boolean endSeen;
    private boolean stalled;
    private long leaveAfter = -1;

    private SseClient(Builder config) {
        this.config = config;
        this.lastEventId = config.lastEventId;
        this.retryMillis = config.retryMillis;
    }

    public static Builder to(URI uri) {
        return new Builder(uri);
    }

    /** Connects and reconnects on this thread until the end event was seen and its stream ended, closed, or {@code limit}. */
    public void follow(Duration limit) {
        long deadline = System.currentTimeMillis() + limit.toMillis();
        try {
            while (!closed && System.currentTimeMillis() < deadline) {
                long delay = connectOnce();
                if (endSeen || !config.reconnect) {
                    break;
                }
                sleep(Math.min(delay, deadline - System.currentTimeMillis()));
            }
        } finally {
            finished = true;
            synchronized (this) {
                notifyAll();
            }
        }
    }

    private long connectOnce() {
        synchronized (this) {
            attempts++;
        }
        leaveAfter = -1;
        URI uri = config.uri;
        int port = uri.getPort() < 0 ? 80 : uri.getPort();
        try (Socket s = new Socket()) {
            socket = s;
            if (config.receiveBuffer > 0) {
                s.setReceiveBufferSize(config.receiveBuffer); // before connect, so the window is small from the start
            }
            s.connect(new InetSocketAddress(uri.getHost(), port), 5_000);
            s.setSoTimeout(60_000); // far above the heartbeat: silence this long means a dead path
            OutputStream out = s.getOutputStream();
            out.write(request(uri, port).getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = new BufferedInputStream(s.getInputStream(), config.receiveBuffer > 0 ? 1024 : 8192);
            String status = HttpLines.line(in);
            if (status == null) {
                return retryMillis; // accepted, then closed: a network error to EventSource
            }
            int code = Integer.parseInt(status.split(" ")[1]);
            Map<String, String> responseHeaders = HttpLines.headers(in);
            synchronized (this) {
                statuses.add(code);
                connected = code == 200;
                if (connected) {
                    headers = responseHeaders;
                }
                notifyAll();
            }
            if (config.listener != null) {
                config.listener.onOpen(code);
            }
            if (code != 200) {
                String retryAfter = responseHeaders.get("retry-after");
                return retryAfter != null && retryAfter.strip().matches("\\d+") ? Long.parseLong(retryAfter.strip()) * 1000 : retryMillis;
            }
            read(body(in, responseHeaders));
            return leaveAfter >= 0 ? leaveAfter : retryMillis;
        } catch (IOException | RuntimeException e) {
            return retryMillis; // refused, reset or timed out: EventSource reconnects
        } finally {
            synchronized (this) {
                if (connected && !endSeen && leaveAfter < 0) {
                    cutBeforeEnd++;
                }
                connected = false;
                notifyAll();
            }
        }
    }

    private String request(URI uri, int port) {
        String target = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        String query = uri.getRawQuery();
        String resumeFrom = lastEventId;
        if (config.resumeByQuery && resumeFrom != null && !resumeFrom.isEmpty()) {
            String param = "lastEventId=" + URLEncoder.encode(resumeFrom, StandardCharsets.UTF_8);
            query = query == null ? param : query.replaceAll("(^|&)lastEventId=[^&]*", "") + "&" + param;
            query = query.startsWith("&") ? query.substring(1) : query;
        }
        StringBuilder request = new StringBuilder("GET ").append(target).append(query == null ? "" : "?" + query).append(" HTTP/1.1\r\n")
                .append("Host: ").append(uri.getHost()).append(':').append(port).append("\r\n")
                .append("Accept: text/event-stream\r\nCache-Control: no-cache\r\n");
        config.headers.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
        if (!config.resumeByQuery && resumeFrom != null && !resumeFrom.isEmpty()) {
            request.append("Last-Event-ID: ").append(resumeFrom).append("\r\n");
        }
        return request.append("\r\n").toString();
    }

    private static InputStream body(InputStream in, Map<String, String> headers) throws IOException {
        InputStream body = headers.getOrDefault("transfer-encoding", "").contains("chunked") ? new HttpLines.Chunked(in) : in;
        return headers.getOrDefault("content-encoding", "").equals("gzip") ? new GZIPInputStream(body, 512) : body;
    }

    private void read(InputStream body) throws IOException {
        SseParser parser = new SseParser(lastEventId, new SseParser.Listener() {
            @Override
            public void onEvent(SseEvent event) {
                dispatch(event);
            }

            @Override
            public void onRetry(long millis) {
                retryMillis = millis;
            }

            @Override
            public void onUnknownField(String field, String value) {
                synchronized (SseClient.this) {
                    unknownLines.add(field + ": " + value);
                }
            }
        });
        byte[] buffer = new byte[config.receiveBuffer > 0 ? 1024 : 8192];
        int n;
        while (!closed && leaveAfter < 0) {
            sleep(stallUntil - System.currentTimeMillis()); // the socket stays open, unread
            if ((n = body.read(buffer)) < 0) {
                return;
            }
            parser.feed(buffer, 0, n);
            if (leaveAfter < 0) {
                lastEventId = parser.lastEventId();
            }
        }
    }

    private void dispatch(SseEvent event) {
        if (leaveAfter >= 0) {
            return; // left the stream at a shutdown event: what follows it is not read
        }
        lastEventId = event.lastEventId();
        if (config.listener != null) {
            config.listener.onEvent(event);
        }
        synchronized (this) {
            events.add(event);
            endSeen |= config.endsWith.test(event);
            notifyAll();
        }
        if (config.leaveOnShutdown && event.event().equals("shutdown")) {
            leaveAfter = event.json().path("reconnect_after_ms").asLong(retryMillis);
        }
        if (config.stallAfter > 0 && !stalled && events().size() >= config.stallAfter) {
            stalled = true;
            stallFor(config.stallFor);
        }
    }

    /** Stops reading for {@code duration} from the next read on, with the connection open. */
    public void stallFor(Duration duration) {
        stallUntil = System.currentTimeMillis() + duration.toMillis();
    }

    public synchronized List<SseEvent> events() {
        return List.copyOf(events);
    }

    /** The HTTP status of every connection that got an answer, in order. */
    public synchronized List<Integer> statuses() {
        return List.copyOf(statuses);
    }

    /** Connection attempts, answered or not. */
    public synchronized int attempts() {
        return attempts;
    }

    /** Streams that ended, or were cut, before the end event and without a shutdown event. */
    public synchronized int cutBeforeEnd() {
        return cutBeforeEnd;
    }

    /** Lines whose field no SSE field name explains ({@code field: value}). */
    public synchronized List<String> unknownLines() {
        return List.copyOf(unknownLines);
    }

    /** A header of the last 200 answer. */
    public Optional<String> header(String name) {
        return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
    }

    public boolean connected() {
        return connected;
    }

    /** Whether it has stopped for good: end event seen and its stream over, no reconnect, closed, or out of time. */
    public boolean finished() {
        return finished;
    }

    /** Waits until {@code count} events arrived, the client finished, or the time is up; returns what arrived. */
    public List<SseEvent> await(int count, Duration timeout) throws InterruptedException {
        waitFor(() -> events.size() >= count, timeout);
        return events();
    }

    /** Waits for the first event that matches. */
    public Optional<SseEvent> awaitEvent(Predicate<SseEvent> match, Duration timeout) throws InterruptedException {
        waitFor(() -> events.stream().anyMatch(match), timeout);
        return events().stream().filter(match).findFirst();
    }

    /** Waits until the client has made {@code connections} answered connections and the last one is open. */
    public boolean awaitConnection(int connections, Duration timeout) throws InterruptedException {
        waitFor(() -> statuses.size() >= connections && connected, timeout);
        return statuses().size() >= connections && connected;
    }

    /** Waits until the client has finished; returns whether it has. */
    public boolean awaitEnd(Duration timeout) throws InterruptedException {
        waitFor(() -> false, timeout);
        return finished;
    }

    private synchronized void waitFor(java.util.function.BooleanSupplier done, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean() && !finished && System.nanoTime() < deadline) {
            wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        }
    }

    @Override
    public void close() {
        closed = true;
        Socket s = socket;
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        Thread t = thread;
        if (t != null) {
            t.interrupt();
        }
    }

    private static void sleep(long millis) {
        if (millis <= 0) {
            return;
        }
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** How the client connects; every option has the browser's default. */
    public static final class Builder {
        private final URI uri;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private String lastEventId;
        private boolean resumeByQuery;
        private boolean reconnect = true;
        private boolean leaveOnShutdown = true;
        private long retryMillis = 3_000;
        private int receiveBuffer;
        private int stallAfter;
        private Duration stallFor = Duration.ZERO;
        private Predicate<SseEvent> endsWith = e -> false;
        private Listener listener;

        private Builder(URI uri) {
            this.uri = uri;
        }

        public Builder header(String name, String value) {
            headers.put(name, value);
            return this;
        }

        public Builder headers(Map<String, String> more) {
            headers.putAll(more);
            return this;
        }

        public Builder bearer(String token) {
            return header("Authorization", "Bearer " + token);
        }

        /** The id to resume after from the first connection on ({@code "0"}: every event from seq 1). */
        public Builder lastEventId(String id) {
            this.lastEventId = id;
            return this;
        }

        /** Resumes with {@code ?lastEventId=} instead of the header. */
        public Builder resumeByQuery() {
            this.resumeByQuery = true;
            return this;
        }

        /** One connection only. */
        public Builder once() {
            this.reconnect = false;
            return this;
        }

        /** The reconnection delay until the server sends {@code retry:} (a browser's is about 3 s). */
        public Builder retry(Duration delay) {
            this.retryMillis = delay.toMillis();
            return this;
        }

        /** Stays on a stream after a {@code shutdown} event (a plain EventSource without the page's handler). */
        public Builder ignoreShutdown() {
            this.leaveOnShutdown = false;
            return this;
        }

        /** A small socket receive buffer, so the server feels a client that stops reading. */
        public Builder receiveBuffer(int bytes) {
            this.receiveBuffer = bytes;
            return this;
        }

        /** Stops reading for {@code duration} once {@code events} events arrived, with the connection open. */
        public Builder stallAfter(int events, Duration duration) {
            this.stallAfter = events;
            this.stallFor = duration;
            return this;
        }

        /** The event after which the end of a stream is final (a closing event): no reconnect then. */
        public Builder endsWith(Predicate<SseEvent> end) {
            this.endsWith = end;
            return this;
        }

        public Builder listener(Listener listener) {
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
}
