package io.sserouter.testkit.sse;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A browser's EventSource over a plain socket: follows one URL, reconnects after every close (after the server's
 * {@code retry:} delay, or the {@code Retry-After} of a refusal, or the delay a {@code shutdown} event names) and
 * sends the last event id it saw as {@code Last-Event-ID} (or as {@code ?lastEventId=}). It records every event, the
 * HTTP status of every connection, and lines no SSE field explains. It reads chunked and gzip bodies (nginx, browsers'
 * {@code Accept-Encoding}), and can stop reading for a while with the socket open, like a frozen tab.
 *
 * <p>Build one with {@link #to(URI)}, then {@link SseClientBuilder#start()} (own thread) or {@link #follow(Duration)} (this one).
 */
public final class SseClient implements AutoCloseable {
    /** Called on the client's thread. */
    public interface Listener {
        default void onOpen(int status) {
        }

        default void onEvent(SseEvent event) {
        }

        /** A valid {@code retry:} field, in its place among the events. */
        default void onRetry(long millis) {
        }

        /** Adds {@code event: <name>} and {@code retry: <millis>} to {@code lines} as they come: their order on the wire. */
        static Listener recording(List<String> lines) {
            return new Listener() {
                @Override
                public void onEvent(SseEvent event) {
                    lines.add("event: " + event.event());
                }

                @Override
                public void onRetry(long millis) {
                    lines.add("retry: " + millis);
                }
            };
        }
    }

    private final SseClientBuilder config;
    private final List<SseEvent> events = new ArrayList<>();
    private final List<Integer> statuses = new ArrayList<>();
    private final List<String> unknownLines = new ArrayList<>();
    private final List<String> comments = new ArrayList<>();
    private final List<Long> retries = new ArrayList<>();
    private final List<String> errors = new ArrayList<>();
    private volatile Map<String, String> headers = Map.of();
    private volatile String lastEventId;
    private volatile long retryMillis;
    private volatile long stallUntil;
    private volatile boolean connected;
    private volatile boolean closed;
    private volatile boolean finished;
    private volatile Socket socket;
    volatile Thread thread;
    private int attempts;
    private int cutBeforeEnd;
    private boolean endSeen;
    private boolean stalled;
    private long leaveAfter = -1;

    SseClient(SseClientBuilder config) {
        this.config = config;
        this.lastEventId = config.lastEventId;
        this.retryMillis = config.retryMillis;
    }

    public static SseClientBuilder to(URI uri) {
        return new SseClientBuilder(uri);
    }

    /**
     * Connects and reconnects on this thread until the end event was seen and its stream ended (or, with
     * {@link SseClientBuilder#leaveAtEnd(Duration)}, until a while after the end event), closed, or {@code limit}.
     */
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
            out.write(HttpLines.request(uri, port, config.headers, lastEventId, config.resumeByQuery).getBytes(StandardCharsets.UTF_8));
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
            read(HttpLines.body(in, responseHeaders));
            return leaveAfter >= 0 ? leaveAfter : retryMillis;
        } catch (IOException | RuntimeException e) {
            synchronized (this) {
                errors.add(e.toString());
            }
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

    private void read(InputStream body) throws IOException {
        SseParser parser = new SseParser(lastEventId, new SseParser.Listener() {
            @Override
            public void onEvent(SseEvent event) {
                dispatch(event);
            }

            @Override
            public void onRetry(long millis) {
                retryMillis = millis;
                synchronized (SseClient.this) {
                    retries.add(millis);
                }
                if (config.listener != null) {
                    config.listener.onRetry(millis);
                }
            }

            @Override
            public void onComment(String comment) {
                synchronized (SseClient.this) {
                    comments.add(comment);
                    SseClient.this.notifyAll();
                }
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
        boolean leave;
        synchronized (this) {
            events.add(event);
            leave = !endSeen && config.leaveAtEnd != null && config.endsWith.test(event);
            endSeen |= config.endsWith.test(event);
            notifyAll();
        }
        if (leave) {
            CompletableFuture.delayedExecutor(config.leaveAtEnd.toMillis(), TimeUnit.MILLISECONDS).execute(this::close);
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

    /** Comment lines received (heartbeats: {@code ping}). */
    public synchronized List<String> comments() {
        return List.copyOf(comments);
    }

    /** Every {@code retry:} value received. */
    public synchronized List<Long> retries() {
        return List.copyOf(retries);
    }

    /**
     * Why connections failed, one entry per failed attempt: refused, reset, timed out, or a body that broke off (a
     * chunked or gzip body cut short, a gzip trailer whose CRC or length is wrong). A body that ends cleanly adds
     * nothing; {@link #close()} while connected adds the closed socket's error.
     */
    public synchronized List<String> errors() {
        return List.copyOf(errors);
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
}
