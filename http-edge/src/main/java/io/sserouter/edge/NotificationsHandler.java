package io.sserouter.edge;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.io.IOException;
import java.util.concurrent.Executor;

/** {@code GET /api/v1/events/notifications}: the token's user's notifications and every system broadcast. */
final class NotificationsHandler implements Handler {
    private final EdgeSettings settings;
    private final RedisReader reader;
    private final RedisFanout fanout;
    private final Executor writers;
    private final EdgeMetrics metrics;
    private final SseResponses responses;

    NotificationsHandler(EdgeSettings settings, RedisReader reader, RedisFanout fanout, Executor writers, EdgeMetrics metrics,
                         SseResponses responses) {
        this.settings = settings;
        this.reader = reader;
        this.fanout = fanout;
        this.writers = writers;
        this.metrics = metrics;
        this.responses = responses;
    }

    @Override
    public void handle(Context ctx) throws IOException {
        TokenVerifier.Principal principal = responses.admit(ctx);
        responses.stream(ctx, principal, sink -> new NotificationRelay(principal.userId(), reader, fanout, sink,
                settings.clientQueueMax(), writers, metrics));
    }
}
