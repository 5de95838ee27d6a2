package io.sserouter.edge.sse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.IteratingCallback;

/**
 * Writes the SSE wire format to one response without ever blocking the caller: frames queue here and go out one
 * write at a time, the next when the connection has taken the last. A client that stops reading lets its queue grow
 * to {@code maxPendingBytes}, then is disconnected; it resumes by Last-Event-ID.
 *
 * <p>Jetty writes the response's head (an empty first write through {@link Response#write}) and its end (when
 * {@code callback} completes: successfully after the last frame on {@link #close()}, as a failure, which closes the
 * connection, on {@link #abort}). The frames in between go straight to the connection's {@link EndPoint}, in the
 * body's framing Jetty chose for the head: HTTP/1.1 chunks, or the bare bytes of an HTTP/1.0 body that ends with the
 * connection. A frame the socket takes at once is written without storing a reference into any of the stream's
 * long-lived objects: each such store marks a card of the old generation that every young collection must scan again,
 * and with thousands of streams that scan was most of the collector's pause. Only a frame the socket cannot take at
 * once, and what queues behind it, goes through the queue and an asynchronous write.
 *
 * <p>Frames are written as they are, without a copy: the bytes of a relayed message are shared by every stream of
 * its channel ({@link Published#frame()}) and never modified. A queue of several frames is joined into one write.
 */
public final class HttpSseSink implements SseSink {
    /** A backlog is written in pieces of at most this size (one frame at least). */
    private static final int JOINED_BYTES = 16 * 1024;
    /** How long a closing stream's client has to take what is still queued before it is cut off. */
    private static final long CLOSE_WAIT_SECONDS = 5;

    private static final byte[] CRLF = {'\r', '\n'};

    private final Response response;
    /** The connection's socket when the body is HTTP/1.x (always, with the edge's connector), else null: all through Jetty. */
    private final EndPoint endPoint;
    private final boolean chunked;
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
    /** A write is in flight: the head's, a frame's on the caller's thread, or {@link #writes}'. Set until the head is out. */
    private boolean writing = true;
    /** The write in flight is a caller's own: {@link #writes} must not start one beside it; that caller hands over. */
    private boolean writingHere;
    private final Writes writes = new Writes();

    /**
     * @param callback the request's callback: completing it ends the response
     * @param gzip     the stream's encoder, or null to write frames as they are
     */
    HttpSseSink(Request request, Response response, Callback callback, long maxPendingBytes, Runnable onOverflow,
                ScheduledExecutorService timers, GzipFrames gzip) {
        this.response = response;
        HttpVersion version = request.getConnectionMetaData().getHttpVersion();
        boolean http1 = version == HttpVersion.HTTP_1_1 || version == HttpVersion.HTTP_1_0;
        this.endPoint = http1 ? request.getConnectionMetaData().getConnection().getEndPoint() : null;
        this.chunked = version == HttpVersion.HTTP_1_1;
        if (chunked) {
            // Chunked even when the client asked to close the connection after the response (Jetty would then end
            // the body with the connection instead): one framing to write for every HTTP/1.1 stream
            response.getHeaders().put(HttpHeader.TRANSFER_ENCODING, HttpHeaderValue.CHUNKED.asString());
        }
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
        writes.iterate(); // the head, then whatever was queued meanwhile
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

    /**
     * Writes a frame on the caller's thread when nothing is in flight and the socket takes it all; else queues it
     * behind what is in flight. False when the stream has ended.
     */
    private boolean write(byte[] bytes) {
        if (closed.get()) {
            return false;
        }
        boolean overflow = false;
        boolean queuedBehindCaller;
        byte[] now = null;
        synchronized (pending) {
            if (done.isDone()) {
                return false;
            }
            byte[] frame = gzip != null ? gzip.encode(bytes) : bytes;
            if (frame.length == 0) {
                return true; // as a chunk of its own it would end the body
            }
            if (!writing && endPoint != null) {
                writing = true;
                writingHere = true;
                now = frame;
            } else {
                pending.add(frame);
                pendingBytes += frame.length;
                overflow = pendingBytes > maxPendingBytes;
            }
            queuedBehindCaller = now == null && writingHere;
        }
        if (overflow) {
            onOverflow.run();
            abort(new EofException("the client does not read its stream"));
            return false;
        }
        if (now != null) {
            ByteBuffer[] buffers = framed(now);
            boolean flushed;
            try {
                flushed = endPoint.flush(buffers);
            } catch (IOException e) {
                abort(e);
                return false;
            }
            if (handOver(flushed)) {
                return !done.isDone();
            }
            if (!flushed) {
                writes.carry(buffers); // what the socket did not take goes before the queue
            }
        } else if (queuedBehindCaller) {
            return true; // the caller writing now hands the queue to the writes when its own is out
        }
        writes.iterate();
        return !done.isDone();
    }

    /**
     * After a write on the caller's thread: true when it was all flushed and nothing is left to write, else the
     * caller hands what is left to {@link #writes}.
     */
    private boolean handOver(boolean flushed) {
        synchronized (pending) {
            writingHere = false;
            if (flushed && pending.isEmpty() && !closing) {
                writing = false;
                return true;
            }
            return false;
        }
    }

    /** A frame as the body's framing wants it: one chunk of its own, or its bare bytes. */
    private ByteBuffer[] framed(byte[] frame) {
        if (!chunked) {
            return new ByteBuffer[] {ByteBuffer.wrap(frame)};
        }
        byte[] size = (Integer.toHexString(frame.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        return new ByteBuffer[] {ByteBuffer.wrap(size), ByteBuffer.wrap(frame), ByteBuffer.wrap(CRLF)};
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
        boolean owner;
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
            if (writing) {
                owner = false; // what is in flight ends the response after the last frame
            } else {
                writing = true;
                owner = true;
            }
        }
        if (owner) {
            writes.iterate();
        }
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
     * The writes that do not complete on the caller's thread: the head, a frame the socket did not take at once, and
     * the queue behind them, one write in flight at most; the next starts in the thread that learns the last is out,
     * without recursion however many writes complete at once. When the queue is empty the caller's thread writes again.
     */
    private final class Writes extends IteratingCallback {
        private boolean headWritten;
        /** A frame's buffers the socket has not finished taking; handed over before {@link #iterate()}, under its lock. */
        private ByteBuffer[] carried;

        void carry(ByteBuffer[] buffers) {
            carried = buffers;
        }

        @Override
        protected Action process() {
            if (!headWritten) {
                headWritten = true;
                // Empty: the head alone, so that no chunk of Jetty's is open when the frames' own chunks follow
                response.write(false, ByteBuffer.allocate(0), this);
                return Action.SCHEDULED;
            }
            ByteBuffer[] buffers = carried;
            carried = null;
            if (buffers == null) {
                byte[] next;
                synchronized (pending) {
                    if (pending.isEmpty()) {
                        if (closing) {
                            return Action.SUCCEEDED;
                        }
                        writing = false;
                        return Action.IDLE;
                    }
                    next = pending.size() == 1 ? pending.poll() : joinPending();
                    pendingBytes -= next.length;
                }
                if (endPoint == null) {
                    response.write(false, ByteBuffer.wrap(next), this);
                    return Action.SCHEDULED;
                }
                buffers = framed(next);
            }
            endPoint.write(this, buffers);
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
