package io.sserouter.edge;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/** {@code GET /api/v1/events/executions/{id}}: the SSE stream of one execution. */
final class ExecutionEventsHandler implements Handler {
    private final EdgeSettings settings;
    private final RedisReader reader;
    private final RedisFanout fanout;
    private final ScheduledExecutorService timers;
    private final Executor writers;
    private final EdgeMetrics metrics;
    private final Set<ExecutionRelay> open;
    private final Authenticator authenticator;

    ExecutionEventsHandler(EdgeSettings settings, RedisReader reader, RedisFanout fanout, ScheduledExecutorService timers,
                           Executor writers, EdgeMetrics metrics, Set<ExecutionRelay> open, Authenticator authenticator) {
        this.authenticator = authenticator;
        this.settings = settings;
        this.reader = reader;
        this.fanout = fanout;
        this.timers = timers;
        this.writers = writers;
        this.metrics = metrics;
        this.open = open;
    }

    @Override
    public void handle(Context ctx) throws IOException {
        String id = RequestRules.executionId(ctx);
        Long resumeAfter = RequestRules.lastEventId(ctx);
        TokenVerifier.Principal principal = authenticator.authenticate(ctx);
        if (!fanout.up()) {
            metrics.rejected("redis_unavailable");
            ctx.header("Retry-After", "5");
            throw ApiError.of(503, "unavailable", "event storage is unreachable; retry shortly");
        }
        String owner = StatusHandler.owner(reader.snapshot(id));
        if (owner != null && !Authenticator.mayRead(principal, owner)) {
            metrics.rejected("forbidden");
            throw ApiError.of(403, "forbidden", "execution " + id + " belongs to another user");
        }
        ctx.status(200);
        ctx.contentType("text/event-stream; charset=utf-8");
        ctx.header("Cache-Control", "no-cache");
        ctx.header("X-Accel-Buffering", "no");
        HttpSseSink sink = new HttpSseSink(ctx.res().getOutputStream());
        ExecutionRelay relay = new ExecutionRelay(id, resumeAfter, reader, fanout, sink, settings, timers, writers, o -> Authenticator.mayRead(principal, o), metrics);
        long opened = System.nanoTime();
        open.add(relay);
        sink.done().whenComplete((ok, error) -> {
            open.remove(relay);
            relay.stop();
            metrics.closed(java.time.Duration.ofNanos(System.nanoTime() - opened));
        });
        ctx.future(sink::done);
        long untilExpiry = principal.expiresAt().toEpochMilli() - System.currentTimeMillis();
        java.util.concurrent.ScheduledFuture<?> expiry = timers.schedule(relay::expire, Math.max(0, untilExpiry), java.util.concurrent.TimeUnit.MILLISECONDS);
        sink.done().whenComplete((ok, error) -> expiry.cancel(false));
        sink.retry(settings.retry().toMillis());
        try {
            relay.start();
        } catch (RedisFanout.UnavailableException e) {
            metrics.rejected("redis_unavailable");
            sink.event(null, "error", "{\"reason\":\"unavailable\",\"execution_id\":\"" + id + "\"}");
            sink.close();
        }
    }
}
