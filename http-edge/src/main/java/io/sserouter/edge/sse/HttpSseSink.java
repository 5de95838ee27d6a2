package io.sserouter.edge.sse;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import org.eclipse.jetty.ee10.servlet.HttpOutput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Writes the SSE wire format to one HTTP response without ever blocking the caller: once the response is async,
 * frames queue here and are written whenever the connection can take them (a servlet {@link WriteListener}). A client
 * that stops reading lets its queue grow to {@code maxPendingBytes}, then is disconnected; it resumes by
 * Last-Event-ID. Field values never carry a line break: ids are numbers, event types are validated by the topology,
 * and data is one line of JSON (Jackson escapes control characters).
 *
 * <p>Frames go to Jetty as buffers ({@link HttpOutput#write(ByteBuffer)}), not arrays: an array write copies into an
 * aggregation buffer that the response then holds for as long as it is open, 4 KB per stream, a fifth of the edge's
 * memory per connection. A queue of several frames is joined into one write.
 */
public final class HttpSseSink implements SseSink, WriteListener {
    private final HttpServletRequest request;
    /** A backlog is written in pieces of at most this size (one frame at least). */
    private static final int JOINED_BYTES = 16 * 1024;

    private final ServletOutputStream out;
    private final long maxPendingBytes;
    private final Runnable onOverflow;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ArrayDeque<byte[]> pending = new ArrayDeque<>();
    private long pendingBytes;
    private boolean nonBlocking;
    private final java.util.concurrent.ScheduledExecutorService timers;
    private final GzipFrames gzip;

    /** @param gzip the stream's encoder, or null to write frames as they are */
    HttpSseSink(HttpServletRequest request, ServletOutputStream out, long maxPendingBytes, Runnable onOverflow,
                java.util.concurrent.ScheduledExecutorService timers, GzipFrames gzip) {
        this.gzip = gzip;
        if (gzip != null) {
            done.whenComplete((ok, error) -> {
                synchronized (pending) {
                    gzip.end();
                }
            });
        }
        this.request = request;
        this.out = out;
        this.maxPendingBytes = maxPendingBytes;
        this.onOverflow = onOverflow;
        this.timers = timers;
    }

    /** Completes when the response has ended, for whatever reason. */
    public CompletableFuture<Void> done() {
        return done;
    }

    @Override
    public boolean retry(long millis) {
        return write(("retry: " + millis + "\n\n").getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public boolean event(String id, String event, String data) {
        return write(SseFrames.event(id, event, data).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public boolean event(Published message) {
        return write(message.frame()); // the same bytes for every stream of the channel; never modified
    }

    @Override
    public boolean comment(String text) {
        return write(SseFrames.comment(text).getBytes(StandardCharsets.UTF_8));
    }

    private boolean write(byte[] bytes) {
        if (closed.get()) {
            return false;
        }
        boolean overflow = false;
        try {
            synchronized (pending) {
                if (done.isDone()) {
                    return false;
                }
                if (gzip != null) {
                    bytes = gzip.encode(bytes);
                }
                if (!nonBlocking && !request.isAsyncStarted()) {
                    send(bytes); // still in the request's own thread: a plain write, before the response goes async
                    out.flush();
                    return true;
                }
                pending.add(bytes);
                pendingBytes += bytes.length;
                if (pendingBytes > maxPendingBytes) {
                    overflow = true;
                } else if (!nonBlocking) {
                    nonBlocking = true;
                    out.setWriteListener(this); // the container calls onWritePossible at once
                } else {
                    drain();
                }
            }
        } catch (IOException | RuntimeException e) {
            abort(); // the client is gone
            return false;
        }
        if (overflow) {
            onOverflow.run();
            abort();
            return false;
        }
        return true;
    }

    /** Writes queued frames while the connection takes them; the container calls back when it can take more. */
    private void drain() throws IOException {
        while (!pending.isEmpty()) {
            if (!out.isReady()) {
                return;
            }
            byte[] next = pending.size() == 1 ? pending.poll() : joinPending();
            pendingBytes -= next.length;
            send(next);
        }
        if (out.isReady()) {
            out.flush();
            if (closed.get()) {
                done.complete(null); // closing, and the last frame is out
            }
        }
    }

    /** Takes queued frames, up to {@link #JOINED_BYTES} (or the first, if larger), as one array. */
    private byte[] joinPending() {
        int size = 0;
        int count = 0;
        for (byte[] frame : pending) {
            if (count > 0 && size + frame.length > JOINED_BYTES) {
                break;
            }
            size += frame.length;
            count++;
        }
        byte[] joined = new byte[size];
        int at = 0;
        for (int i = 0; i < count; i++) {
            byte[] frame = pending.poll();
            System.arraycopy(frame, 0, joined, at, frame.length);
            at += frame.length;
        }
        return joined;
    }

    private void send(byte[] bytes) throws IOException {
        if (out instanceof HttpOutput jetty) {
            jetty.write(ByteBuffer.wrap(bytes));
        } else {
            out.write(bytes);
        }
    }

    @Override
    public void onWritePossible() throws IOException {
        synchronized (pending) {
            if (!done.isDone()) {
                drain();
            }
        }
    }

    @Override
    public void onError(Throwable t) {
        abort();
    }

    /**
     * Ends the response once what is queued (an {@code error} event, the last events) has been written; a client
     * that does not take it within a few seconds is cut off.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        synchronized (pending) {
            if (gzip != null && !done.isDone()) {
                byte[] end = gzip.finish();
                if (!nonBlocking) {
                    try {
                        send(end);
                    } catch (IOException | RuntimeException e) {
                        // the client is gone
                    }
                } else {
                    pending.add(end);
                    pendingBytes += end.length;
                    try {
                        drain();
                    } catch (IOException | RuntimeException e) {
                        pending.clear();
                    }
                }
            }
            if (pending.isEmpty() || !nonBlocking) {
                done.complete(null);
                return;
            }
        }
        timers.schedule(this::abort, 5, java.util.concurrent.TimeUnit.SECONDS);
    }

    /** Ends the response at once, dropping whatever is queued. */
    void abort() {
        closed.set(true);
        synchronized (pending) {
            pending.clear();
            pendingBytes = 0;
        }
        done.complete(null);
    }
}
