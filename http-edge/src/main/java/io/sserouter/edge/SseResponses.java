package io.sserouter.edge;

import io.javalin.http.Context;
import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** What every SSE route does the same way: response headers, the async response, the open-stream registry. */
final class SseResponses {
    private final EdgeSettings settings;
    private final ScheduledExecutorService timers;
    private final EdgeMetrics metrics;
    private final Map<String, Open> open = new ConcurrentHashMap<>();
    private final UserLimits limits;
    private final String instance = UUID.randomUUID().toString().substring(0, 8);
    private final AtomicLong counter = new AtomicLong();

    private static final int STREAM_BUFFER_BYTES = 2_048;
    /** Each compressed stream holds a deflater (about 256 KB native); beyond this many, streams go uncompressed. */
    private final java.util.concurrent.Semaphore gzipStreams;

    private record Open(LiveStream stream, String userId) {
    }

    private final Authenticator authenticator;
    private final RedisFanout fanout;

    private final java.util.function.BooleanSupplier draining;

    SseResponses(EdgeSettings settings, ScheduledExecutorService timers, EdgeMetrics metrics, UserLimits limits,
                 Authenticator authenticator, RedisFanout fanout, java.util.function.BooleanSupplier draining) {
        this.draining = draining;
        this.gzipStreams = new java.util.concurrent.Semaphore(settings.gzipMaxStreams());
        this.settings = settings;
        this.timers = timers;
        this.metrics = metrics;
        this.limits = limits;
        this.authenticator = authenticator;
        this.fanout = fanout;
    }

    /**
     * What every stream route checks before a byte is written: that this instance is not shutting down, the token,
     * that Redis is reachable (503 with Retry-After otherwise), and the user's connection rate across all instances
     * (429 with Retry-After beyond it).
     */
    TokenVerifier.Principal admit(Context ctx) {
        if (draining.getAsBoolean()) {
            metrics.rejected("draining");
            ctx.header("Retry-After", "1");
            throw ApiError.of(503, "draining", "this instance is shutting down; reconnect to another one");
        }
        TokenVerifier.Principal principal = authenticator.authenticate(ctx);
        if (!fanout.up()) {
            metrics.rejected("redis_unavailable");
            ctx.header("Retry-After", "5");
            throw ApiError.of(503, "unavailable", "event storage is unreachable; retry shortly");
        }
        try {
            limits.attempt(principal);
        } catch (UserLimits.RateLimitedException e) {
            metrics.rejected("rate_limited");
            ctx.header("Retry-After", String.valueOf(e.retryAfterSeconds));
            throw ApiError.of(429, "rate_limited", "too many connection attempts; retry in " + e.retryAfterSeconds + " s");
        }
        return principal;
    }

    /** Opens the response, registers the stream and starts it; a stream Redis will not serve ends with an error event. */
    void stream(Context ctx, TokenVerifier.Principal principal, java.util.function.Function<HttpSseSink, LiveStream> create) throws IOException {
        HttpSseSink sink = open(ctx);
        LiveStream stream = create.apply(sink);
        track(sink, stream, principal);
        try {
            stream.start();
        } catch (RedisFanout.UnavailableException e) {
            metrics.rejected("redis_unavailable");
            sink.event(null, "error", "{\"reason\":\"unavailable\"}");
            sink.close();
        }
    }

    int size() {
        return open.size();
    }

    List<LiveStream> streams() {
        return open.values().stream().map(Open::stream).toList();
    }

    /** Heartbeats, and keeps this instance's connection slots alive in Redis. */
    void heartbeat() {
        open.values().forEach(o -> o.stream().heartbeat());
        limits.refresh(List.copyOf(open.keySet()));
    }

    /** Another instance (or this one) took a slot beyond the user's limit: end that stream, if it is here. */
    void evict(String streamId) {
        Open stream = open.get(streamId);
        if (stream != null) {
            metrics.rejected("connection_limit");
            stream.stream().end("connection_limit");
        }
    }

    String kickChannel() {
        return limits.kickChannel();
    }

    /** Starts the event-stream response; it stays open until the returned sink closes. */
    private HttpSseSink open(Context ctx) throws IOException {
        ctx.status(200);
        // The response's aggregation buffer is held for as long as the stream is open: keep it to one event's size.
        ctx.res().setBufferSize(STREAM_BUFFER_BYTES);
        ctx.contentType("text/event-stream; charset=utf-8");
        ctx.header("Cache-Control", "no-cache");
        ctx.header("X-Accel-Buffering", "no");
        ctx.res().addHeader("Vary", "Accept-Encoding"); // added to, not replacing, the Vary: Origin of CORS
        GzipFrames gzip = null;
        if (acceptsGzip(ctx.header("Accept-Encoding")) && gzipStreams.tryAcquire()) {
            ctx.header("Content-Encoding", "gzip");
            gzip = new GzipFrames();
        }
        HttpSseSink sink = new HttpSseSink(ctx.req(), ctx.res().getOutputStream(), settings.clientBufferBytes(), metrics::slowClient, timers, gzip);
        if (gzip != null) {
            sink.done().whenComplete((ok, error) -> gzipStreams.release());
        }
        ctx.future(sink::done);
        sink.retry(settings.retry().toMillis());
        return sink;
    }

    /** True when the client lists gzip (or *) in Accept-Encoding without {@code q=0}. */
    static boolean acceptsGzip(String acceptEncoding) {
        if (acceptEncoding == null) {
            return false;
        }
        for (String part : acceptEncoding.split(",")) {
            String[] fields = part.split(";");
            String coding = fields[0].trim();
            if (coding.equalsIgnoreCase("gzip") || coding.equals("*")) {
                boolean refused = false;
                for (int i = 1; i < fields.length; i++) {
                    String param = fields[i].trim().replace(" ", "");
                    refused |= param.matches("[qQ]=0(\\.0*)?");
                }
                if (!refused) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Registers the stream for heartbeats and shutdown, ends it when its token expires, forgets it when it closes. */
    private void track(HttpSseSink sink, LiveStream stream, TokenVerifier.Principal principal) {
        long opened = System.nanoTime();
        String id = instance + ":" + counter.incrementAndGet();
        open.put(id, new Open(stream, principal.userId()));
        limits.open(principal, id);
        long untilExpiry = principal.expiresAt().toEpochMilli() - System.currentTimeMillis();
        ScheduledFuture<?> expiry = timers.schedule(() -> stream.end("token_expired"), Math.max(0, untilExpiry), TimeUnit.MILLISECONDS);
        sink.done().whenComplete((ok, error) -> {
            expiry.cancel(false);
            open.remove(id);
            stream.stop();
            try {
                limits.close(principal.userId(), id);
            } catch (RuntimeException redisDown) {
                // the slot expires by itself
            }
            metrics.closed(Duration.ofNanos(System.nanoTime() - opened));
        });
    }
}
