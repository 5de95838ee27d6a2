package io.sserouter.edge;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.io.IOException;

/** {@code GET /api/v1/events/executions/{id}}: the SSE stream of one execution. */
final class ExecutionEventsHandler implements Handler {
    private final StreamDeps deps;
    private final SseResponses responses;

    ExecutionEventsHandler(StreamDeps deps, SseResponses responses) {
        this.deps = deps;
        this.responses = responses;
    }

    @Override
    public void handle(Context ctx) throws IOException {
        String id = RequestRules.executionId(ctx);
        Long resumeAfter = RequestRules.lastEventId(ctx);
        TokenVerifier.Principal principal = responses.admit(ctx);
        String owner = StatusHandler.owner(deps.reader().snapshot(id));
        if (owner != null && !Authenticator.mayRead(principal, owner)) {
            deps.metrics().rejected("forbidden");
            throw ApiError.of(403, "forbidden", "execution " + id + " belongs to another user");
        }
        responses.stream(ctx, principal, sink -> new ExecutionRelay(id, resumeAfter, sink, o -> Authenticator.mayRead(principal, o), deps));
    }
}
