package io.sserouter.edge;

import io.javalin.http.Context;
import io.javalin.http.Handler;

/** {@code GET /api/v1/executions/{id}/status}: the snapshot, for clients that poll. */
final class StatusHandler implements Handler {
    private final RedisReader reader;

    StatusHandler(RedisReader reader) {
        this.reader = reader;
    }

    @Override
    public void handle(Context ctx) {
        String id = RequestRules.executionId(ctx);
        String snapshot;
        try {
            snapshot = reader.snapshot(id);
        } catch (RuntimeException e) {
            ctx.header("Retry-After", "5");
            throw ApiError.of(503, "unavailable", "event storage is unreachable; retry shortly");
        }
        if (snapshot == null) {
            throw ApiError.of(404, "not_found", "no execution " + id + " is known");
        }
        ctx.header("Cache-Control", "no-cache");
        ctx.contentType("application/json").result(snapshot);
    }
}
