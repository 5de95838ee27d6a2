package io.sserouter.edge;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Writes the SSE wire format to one HTTP response and flushes every event. The request stays open (async) until
 * {@link #done()} completes. Field values never carry a line break: ids are numbers, event types are validated by
 * the topology, and data is one line of JSON (Jackson escapes control characters).
 */
final class HttpSseSink implements SseSink {
    private final OutputStream out;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    HttpSseSink(OutputStream out) {
        this.out = out;
    }

    CompletableFuture<Void> done() {
        return done;
    }

    boolean retry(long millis) {
        return write("retry: " + millis + "\n\n");
    }

    @Override
    public boolean event(String id, String event, String data) {
        StringBuilder frame = new StringBuilder(data.length() + 64);
        if (id != null) {
            frame.append("id: ").append(id).append('\n');
        }
        frame.append("event: ").append(event).append('\n').append("data: ").append(oneLine(data)).append("\n\n");
        return write(frame.toString());
    }

    @Override
    public boolean comment(String text) {
        return write(": " + oneLine(text) + "\n\n");
    }

    private static String oneLine(String value) {
        return value.indexOf('\n') < 0 && value.indexOf('\r') < 0 ? value : value.replace("\r", "\\r").replace("\n", "\\n");
    }

    private boolean write(String frame) {
        if (closed.get()) {
            return false;
        }
        try {
            synchronized (out) {
                out.write(frame.getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
            return true;
        } catch (IOException | RuntimeException e) {
            close(); // the client is gone
            return false;
        }
    }

    /** Ends the response without taking the write lock, so it also frees a writer stuck on a stalled client. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            done.complete(null);
        }
    }
}
