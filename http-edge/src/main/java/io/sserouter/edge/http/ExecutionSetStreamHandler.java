package io.sserouter.edge.http;

import io.sserouter.contract.StatusSnapshot;
import io.sserouter.edge.auth.Ownership;
import io.sserouter.edge.auth.Principal;
import io.sserouter.edge.relay.ExecutionSetRelay;
import io.sserouter.edge.relay.StreamDeps;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code GET /api/v1/events/executions?id=a&id=b…}: one SSE stream of a chosen set of executions, each with the
 * single-execution semantics, resumable as a whole by the composite {@code id:} of its events.
 */
public final class ExecutionSetStreamHandler {
    private final StreamAdmission admission;
    private final StreamDeps deps;

    public ExecutionSetStreamHandler(StreamAdmission admission, StreamDeps deps) {
        this.admission = admission;
        this.deps = deps;
    }

    void serve(StreamExchange exchange) {
        List<String> ids = RequestRules.executionIds(exchange, deps.settings().maxExecutionsPerStream());
        List<Long> resumeAfter = RequestRules.setCursor(exchange, ids.size());
        Principal principal = admission.admit(exchange); // draining, token, Redis reachable, connection rate: one stream
        ExecutionSetRelay relay = new ExecutionSetRelay(ids, resumeAfter, principal, deps);
        admission.subscribe(exchange, relay);
        List<StatusSnapshot> snapshots = new ArrayList<>(ids.size()); // the relay's starting points
        try {
            for (String id : ids) {
                snapshots.add(deps.store().snapshot(id));
            }
        } catch (RuntimeException redisDown) {
            relay.abandon();
            throw redisDown;
        }
        if (noneReadable(principal, snapshots)) {
            relay.abandon();
            deps.metrics().rejected("forbidden");
            throw ApiError.of(403, "forbidden", "every execution of this set belongs to another user");
        }
        // executions of other users leave the set with an error event; an unknown owner is decided by the stream
        admission.open(exchange, principal, relay, sink -> relay.start(sink, snapshots));
    }

    /** True when every owner is already known and none is the caller. */
    private static boolean noneReadable(Principal principal, List<StatusSnapshot> snapshots) {
        return snapshots.stream().allMatch(s -> s != null && s.owner() != null && !Ownership.mayRead(principal, s.owner()));
    }
}
