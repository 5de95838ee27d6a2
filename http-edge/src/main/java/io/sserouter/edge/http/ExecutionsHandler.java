package io.sserouter.edge.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.sserouter.contract.Ids;
import io.sserouter.contract.Json;
import io.sserouter.contract.RedisKeys;
import io.sserouter.contract.StatusSnapshot;
import io.sserouter.edge.auth.Principal;
import io.sserouter.edge.redis.PipelineHealth;
import io.sserouter.edge.redis.RedisReader;

/**
 * {@code GET /api/v1/executions}: the token's user's most recently active executions, newest first, each as its
 * snapshot. What a frontend reads when it (re)connects, since notifications sent while it was away are not kept.
 * Admins may ask for another user's with {@code ?user=}.
 */
public final class ExecutionsHandler implements Handler {
    static final int DEFAULT_LIMIT = 20;

    private final RedisReader reader;
    private final Authenticator authenticator;
    private final PipelineHealth pipeline;

    public ExecutionsHandler(RedisReader reader, Authenticator authenticator, PipelineHealth pipeline) {
        this.reader = reader;
        this.authenticator = authenticator;
        this.pipeline = pipeline;
    }

    @Override
    public void handle(Context ctx) {
        Exchange exchange = new JavalinExchange(ctx);
        Principal principal = authenticator.authenticate(exchange);
        String user = RequestRules.user(exchange, principal);
        int limit = limit(ctx.queryParam("limit"));
        ObjectNode body = Json.MAPPER.createObjectNode().put("user", user);
        ArrayNode executions = body.putArray("executions");
        for (StatusSnapshot snapshot : reader.recentExecutions(user, limit)) { // Redis unreachable: 503 by the routes' mapping
            executions.add(pipeline.describe(snapshot));
        }
        ctx.header("Cache-Control", "no-cache");
        ctx.contentType("application/json").result(body.toString());
    }

    private static int limit(String value) {
        if (value == null || value.isEmpty()) {
            return DEFAULT_LIMIT;
        }
        if (value.length() <= 3 && value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            int limit = Integer.parseInt(value);
            if (limit >= 1 && limit <= RedisKeys.USER_EXECUTIONS_KEPT) {
                return limit;
            }
        }
        throw ApiError.of(400, "invalid_limit", "limit must be a number from 1 to " + RedisKeys.USER_EXECUTIONS_KEPT);
    }
}
