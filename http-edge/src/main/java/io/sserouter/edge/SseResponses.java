package io.sserouter.edge;

import io.javalin.http.Context;
import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** What every SSE route does the same way: response headers, the async response, the open-stream registry. */
final class SseResponses {
    private final EdgeSettings settings;
    private final ScheduledExecutorService timers;
    private final EdgeMetrics metrics;
    private final Set<LiveStream> open;

    SseResponses(EdgeSettings settings, ScheduledExecutorService timers, EdgeMetrics metrics, Set<LiveStream> open) {
        this.settings = settings;
        this.timers = timers;
        this.metrics = metrics;
        this.open = open;
    }

    /** Starts the event-stream response; it stays open until the returned sink closes. */
    HttpSseSink open(Context ctx) throws IOException {
        ctx.status(200);
        ctx.contentType("text/event-stream; charset=utf-8");
        ctx.header("Cache-Control", "no-cache");
        ctx.header("X-Accel-Buffering", "no");
        HttpSseSink sink = new HttpSseSink(ctx.req(), ctx.res().getOutputStream(), settings.clientBufferBytes(), metrics::slowClient, timers);
        ctx.future(sink::done);
        sink.retry(settings.retry().toMillis());
        return sink;
    }

    /** Registers the stream for heartbeats and shutdown, ends it when its token expires, forgets it when it closes. */
    void track(HttpSseSink sink, LiveStream stream, TokenVerifier.Principal principal) {
        long opened = System.nanoTime();
        open.add(stream);
        long untilExpiry = principal.expiresAt().toEpochMilli() - System.currentTimeMillis();
        ScheduledFuture<?> expiry = timers.schedule(stream::expire, Math.max(0, untilExpiry), TimeUnit.MILLISECONDS);
        sink.done().whenComplete((ok, error) -> {
            expiry.cancel(false);
            open.remove(stream);
            stream.stop();
            metrics.closed(Duration.ofNanos(System.nanoTime() - opened));
        });
    }

    void requireRedis(RedisFanout fanout) {
        if (!fanout.up()) {
            metrics.rejected("redis_unavailable");
            throw ApiError.of(503, "unavailable", "event storage is unreachable; retry shortly");
        }
    }
}
