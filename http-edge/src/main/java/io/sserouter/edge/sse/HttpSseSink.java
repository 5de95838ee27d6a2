package io.sserouter.edge.sse;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.IteratingCallback;

/**
 * Writes the SSE wire format to one response of Jetty's core API without ever blocking the caller: frames queue here
 * and go out one write at a time, the next when the connection has taken the last ({@link Response#write} with a
 * callback). A client that stops reading lets its queue grow to {@code maxPendingBytes}, then is disconnected; it
 * resumes by Last-Event-ID.
 *
 * <p>Frames are written as they are, without a copy: the bytes of a relayed message are shared by every stream of
 * its channel ({@link Published#frame()}) and never modified. A queue of several frames is joined into one write.
 * The response ends when {@code callback} completes: successfully after the last frame on {@link #close()}, as a
 * failure (the connection is closed) on {@link #abort}.
 */
public final class HttpSseSink implements SseSink {
    /** A backlog is written in pieces of at most this size (one frame at least). */
    private static final int JOINED_BYTES = 16 * 1024;
    /** How long a closing stream's client has to take what is still queued before it is cut off. */
    private static final long CLOSE_WAIT_SECONDS = 5;

    private final Response response;
    private final Callback callback;
    private final long maxPendingBytes;
    private final Runnable onOverflow;
    private final ScheduledExecutorService timers;
    private final GzipFrames gzip;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean ended = new AtomicBoolean();
    private final ArrayDeque<byte[]> pending = new ArrayDeque<>(4); // guarded by itself, as are the fields below
    private long pendingBytes;
    private boolean closing;
    private final Writes writes = new Writes();

    /**
     * @param callback the request's callback: completing it ends the response
     * @param gzip     the stream's encoder, or null to write frames as they are
     */
    HttpSseSink(Response response, Callback callback, long maxPendingBytes, Runnable onOverflow, ScheduledExecutorService timers,
                GzipFrames gzip) {
        this.response = response;
        this.callback = callback;
        this.maxPendingBytes = maxPendingBytes;
        this.onOverflow = onOverflow;
        this.timers = timers;
        this.gzip = gzip;
        if (gzip != null) {
            done.whenComplete((ok, error) -> {
                synchronized (pending) {
                    gzip.end();
                }
            });
        }
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
    public boolean event(String id, Published message) {
        return write(message.frame(id)); // this stream's own frame, copied from the message's bytes
    }

    @Override
    public boolean comment(String text) {
        return write(SseFrames.comment(text).getBytes(StandardCharsets.UTF_8));
    }

    /** Queues a frame and starts writing it unless a write is in flight; false when the stream has ended. */
    private boolean write(byte[] bytes) {
        if (closed.get()) {
            return false;
        }
        boolean overflow;
        synchronized (pending) {
            if (done.isDone()) {
                return false;
            }
            byte[] frame = gzip != null ? gzip.encode(bytes) : bytes;
            pending.add(frame);
            pendingBytes += frame.length;
            overflow = pendingBytes > maxPendingBytes;
        }
        if (overflow) {
            onOverflow.run();
            abort(new EofException("the client does not read its stream"));
            return false;
        }
        writes.iterate();
        return !done.isDone();
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
            if (done.isDone()) {
                return;
            }
            if (gzip != null) {
                byte[] end = gzip.finish();
                pending.add(end);
                pendingBytes += end.length;
            }
            closing = true;
        }
        writes.iterate();
        if (!done.isDone()) {
            timers.schedule(() -> abort(new EofException("the client did not take the end of its stream")), CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
        }
    }

    /** Ends the response at once, dropping whatever is queued, and closes the connection. */
    public void abort(Throwable cause) {
        closed.set(true);
        synchronized (pending) {
            pending.clear();
            pendingBytes = 0;
        }
        writes.abort(cause);
        end(cause);
    }

    /** Completes the request's callback, once: the response ends, and so does the stream. */
    private void end(Throwable failure) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        closed.set(true);
        try {
            if (failure == null) {
                callback.succeeded();
            } else {
                callback.failed(failure);
            }
        } finally {
            done.complete(null);
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

    /**
     * One write in flight at most: the next starts when the connection has taken the last, in the thread that learns
     * it, without recursion however many writes complete at once.
     */
    private final class Writes extends IteratingCallback {
        @Override
        protected Action process() {
            byte[] next;
            synchronized (pending) {
                if (pending.isEmpty()) {
                    return closing ? Action.SUCCEEDED : Action.IDLE;
                }
                next = pending.size() == 1 ? pending.poll() : joinPending();
                pendingBytes -= next.length;
            }
            response.write(false, ByteBuffer.wrap(next), this);
            return Action.SCHEDULED;
        }

        @Override
        protected void onCompleteSuccess() {
            end(null); // closing, and the last frame is out
        }

        @Override
        protected void onCompleteFailure(Throwable cause) {
            HttpSseSink.this.abort(cause); // the client is gone (IteratingCallback has an abort of its own)
        }
    }
}
