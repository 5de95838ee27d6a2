package io.sserouter.edge;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.io.IOException;

/** {@code GET /api/v1/events/notifications}: the token's user's notifications and every system broadcast. */
final class NotificationsHandler implements Handler {
    private final StreamDeps deps;
    private final SseResponses responses;

    NotificationsHandler(StreamDeps deps, SseResponses responses) {
        this.deps = deps;
        this.responses = responses;
    }

    @Override
    public void handle(Context ctx) throws IOException {
        TokenVerifier.Principal principal = responses.admit(ctx);
        responses.stream(ctx, principal, sink -> new NotificationRelay(principal.userId(), sink, deps));
    }
}
