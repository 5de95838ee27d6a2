package io.sserouter.edge;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.sserouter.contract.Json;

/**
 * {@code GET /api/v1/executions/{id}/status}: the snapshot, for clients that poll. Redis being unreachable is
 * answered with 503 by the routes' shared mapping of Redis errors.
 */
final class StatusHandler implements Handler {
    private final RedisReader reader;
    private final Authenticator authenticator;
    private final PipelineHealth pipeline;

    StatusHandler(RedisReader reader, Authenticator authenticator, PipelineHealth pipeline) {
        this.reader = reader;
        this.authenticator = authenticator;
        this.pipeline = pipeline;
    }

    /** The owner recorded in a snapshot, or null when there is none (yet). */
    static String owner(String snapshot) {
        return snapshot == null ? null : owner(Json.read(snapshot, JsonNode.class));
    }

    static String owner(JsonNode snapshot) {
        JsonNode owner = snapshot.get("owner");
        return owner != null && owner.isTextual() ? owner.asText() : null;
    }

    @Override
    public void handle(Context ctx) {
        String id = RequestRules.executionId(ctx);
        TokenVerifier.Principal principal = authenticator.authenticate(ctx);
        String json = reader.snapshot(id);
        if (json == null) {
            throw ApiError.of(404, "not_found", "no execution " + id + " is known");
        }
        JsonNode snapshot = Json.read(json, JsonNode.class);
        if (!Authenticator.mayRead(principal, owner(snapshot))) {
            throw ApiError.of(403, "forbidden", "execution " + id + " belongs to another user");
        }
        ctx.header("Cache-Control", "no-cache");
        ctx.contentType("application/json").result(pipeline.describe(snapshot).toString());
    }
}
