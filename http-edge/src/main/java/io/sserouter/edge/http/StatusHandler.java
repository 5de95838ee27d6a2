package io.sserouter.edge.http;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.sserouter.contract.StatusSnapshot;
import io.sserouter.edge.auth.Ownership;
import io.sserouter.edge.auth.Principal;
import io.sserouter.edge.redis.PipelineHealth;
import io.sserouter.edge.redis.RedisReader;

/**
 * {@code GET /api/v1/executions/{id}/status}: the snapshot, for clients that poll. Redis being unreachable is
 * answered with 503 by the routes' shared mapping of Redis errors.
 */
public final class StatusHandler implements Handler {
    private final RedisReader reader;
    private final Authenticator authenticator;
    private final PipelineHealth pipeline;

    public StatusHandler(RedisReader reader, Authenticator authenticator, PipelineHealth pipeline) {
        this.reader = reader;
        this.authenticator = authenticator;
        this.pipeline = pipeline;
    }

    @Override
    public void handle(Context ctx) {
        Exchange exchange = new JavalinExchange(ctx);
        String id = RequestRules.executionId(exchange);
        Principal principal = authenticator.authenticate(exchange);
        StatusSnapshot snapshot = reader.snapshot(id);
        if (snapshot == null) {
            throw ApiError.of(404, "not_found", "no execution " + id + " is known");
        }
        if (!Ownership.mayRead(principal, snapshot.owner())) {
            throw ApiError.of(403, "forbidden", "execution " + id + " belongs to another user");
        }
        ctx.header("Cache-Control", "no-cache");
        ctx.contentType("application/json").result(pipeline.describe(snapshot).toString());
    }
}
