package io.sserouter.edge.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.sserouter.contract.Json;
import io.sserouter.contract.StatusSnapshot;
import io.sserouter.edge.auth.Ownership;
import io.sserouter.edge.auth.Principal;
import io.sserouter.edge.redis.LoggedEvent;
import io.sserouter.edge.redis.RedisReader;
import java.util.List;

/**
 * {@code GET /api/v1/executions/{id}/events?after=N}: the retained events after seq N, in order, for clients that
 * poll or fill a gap (and for event types a page has no listener for). The same token and ownership rules as the
 * status route; Redis being unreachable is a 503 by the routes' shared mapping.
 */
public final class EventLogHandler implements Handler {
    private final RedisReader reader;
    private final Authenticator authenticator;

    public EventLogHandler(RedisReader reader, Authenticator authenticator) {
        this.reader = reader;
        this.authenticator = authenticator;
    }

    @Override
    public void handle(Context ctx) {
        Exchange exchange = new JavalinExchange(ctx);
        String id = RequestRules.executionId(exchange);
        long after = RequestRules.after(exchange);
        Principal principal = authenticator.authenticate(exchange);
        StatusSnapshot snapshot = reader.snapshot(id);
        Long firstRetained = reader.firstRetained(id);
        if (snapshot == null && firstRetained == null) {
            throw ApiError.of(404, "not_found", "no execution " + id + " is known");
        }
        // without a snapshot the owner is unknown, and only admins may read
        if (!Ownership.mayRead(principal, snapshot == null ? null : snapshot.owner())) {
            throw ApiError.of(403, "forbidden", "execution " + id + " belongs to another user");
        }
        List<LoggedEvent> events = reader.after(id, after);
        ObjectNode body = Json.MAPPER.createObjectNode().put("execution_id", id);
        if (firstRetained == null) {
            body.putNull("first_retained_seq");
        } else {
            body.put("first_retained_seq", firstRetained);
        }
        long lastLogged = events.isEmpty() ? 0 : events.get(events.size() - 1).seq();
        body.put("last_seq", Math.max(snapshot == null ? 0 : snapshot.lastSeq(), lastLogged));
        ArrayNode list = body.putArray("events");
        events.forEach(event -> list.addRawValue(new RawValue(event.envelope()))); // as stored, not parsed and rewritten
        ctx.header("Cache-Control", "no-cache");
        ctx.contentType("application/json").result(body.toString());
    }
}
