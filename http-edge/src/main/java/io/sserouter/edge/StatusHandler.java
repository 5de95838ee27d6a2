package io.sserouter.edge;

import io.javalin.http.Context;
import io.javalin.http.Handler;

/** {@code GET /api/v1/executions/{id}/status}: the snapshot, for clients that poll. */
final class StatusHandler implements Handler {
    private final RedisReader reader;
    private final Authenticator authenticator;

    private final PipelineHealth pipeline;

    StatusHandler(RedisReader reader, Authenticator authenticator, PipelineHealth pipeline) {
        this.pipeline = pipeline;
        this.reader = reader;
        this.authenticator = authenticator;
    }

    /** The owner recorded in a snapshot, or null when there is none (yet). */
    static String owner(String snapshot) {
        if (snapshot == null) {
            return null;
        }
        com.fasterxml.jackson.databind.JsonNode owner = io.sserouter.config.Json.read(snapshot, com.fasterxml.jackson.databind.JsonNode.class).get("owner");
        return owner != null && owner.isTextual() ? owner.asText() : null;
    }

    @Override
    public void handle(Context ctx) {
        String id = RequestRules.executionId(ctx);
        TokenVerifier.Principal principal = authenticator.authenticate(ctx);
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
        String owner = owner(snapshot);
        if (!principal.admin() && !principal.userId().equals(owner)) {
            throw ApiError.of(403, "forbidden", "execution " + id + " belongs to another user");
        }
        ctx.header("Cache-Control", "no-cache");
        ctx.contentType("application/json").result(pipeline.describe(snapshot));
    }
}
