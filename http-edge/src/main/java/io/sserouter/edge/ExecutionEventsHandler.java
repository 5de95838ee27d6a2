package io.sserouter.edge;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.io.IOException;
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
    private final SseResponses responses;

    ExecutionEventsHandler(EdgeSettings settings, RedisReader reader, RedisFanout fanout, ScheduledExecutorService timers,
                           Executor writers, EdgeMetrics metrics, SseResponses responses) {
        this.settings = settings;
        this.reader = reader;
        this.fanout = fanout;
        this.timers = timers;
        this.writers = writers;
        this.metrics = metrics;
        this.responses = responses;
    }

    @Override
    public void handle(Context ctx) throws IOException {
        String id = RequestRules.executionId(ctx);
        Long resumeAfter = RequestRules.lastEventId(ctx);
        TokenVerifier.Principal principal = responses.admit(ctx);
        String owner = StatusHandler.owner(reader.snapshot(id));
        if (owner != null && !Authenticator.mayRead(principal, owner)) {
            metrics.rejected("forbidden");
            throw ApiError.of(403, "forbidden", "execution " + id + " belongs to another user");
        }
        responses.stream(ctx, principal, sink -> new ExecutionRelay(id, resumeAfter, reader, fanout, sink, settings, timers, writers,
                o -> Authenticator.mayRead(principal, o), metrics));
    }
}
