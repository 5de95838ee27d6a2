package io.sserouter.edge.http;

import io.sserouter.contract.StatusSnapshot;
import io.sserouter.edge.auth.Ownership;
import io.sserouter.edge.auth.Principal;
import io.sserouter.edge.relay.ExecutionRelay;
import io.sserouter.edge.relay.StreamDeps;

/** {@code GET /api/v1/events/executions/{id}}: the SSE stream of one execution. */
public final class ExecutionStreamHandler {
    private final StreamAdmission admission;
    private final StreamDeps deps;

    public ExecutionStreamHandler(StreamAdmission admission, StreamDeps deps) {
        this.admission = admission;
        this.deps = deps;
    }

    void serve(StreamExchange exchange) {
        String id = RequestRules.executionId(exchange);
        Long resumeAfter = RequestRules.lastEventId(exchange);
        Principal principal = admission.admit(exchange); // draining, token, Redis reachable, connection rate
        ExecutionRelay relay = new ExecutionRelay(id, resumeAfter, principal, deps);
        admission.subscribe(exchange, relay);
        StatusSnapshot snapshot; // the one read: the ownership decision here, the relay's starting point next
        try {
            snapshot = deps.store().snapshot(id);
        } catch (RuntimeException redisDown) {
            relay.abandon();
            throw redisDown;
        }
        if (snapshot != null && snapshot.owner() != null && !Ownership.mayRead(principal, snapshot.owner())) {
            relay.abandon();
            deps.metrics().rejected("forbidden");
            throw ApiError.of(403, "forbidden", "execution " + id + " belongs to another user");
        }
        // an unknown owner is decided by the stream, which waits for it
        admission.open(exchange, principal, relay, sink -> relay.start(sink, snapshot));
    }
}
