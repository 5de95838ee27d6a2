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
    private final Authenticator authenticator;
    private final SseResponses responses;

    NotificationsHandler(EdgeSettings settings, RedisReader reader, RedisFanout fanout, Executor writers, EdgeMetrics metrics,
                         Authenticator authenticator, SseResponses responses) {
        this.settings = settings;
        this.reader = reader;
        this.fanout = fanout;
        this.writers = writers;
        this.metrics = metrics;
        this.authenticator = authenticator;
        this.responses = responses;
    }

    @Override
    public void handle(Context ctx) throws IOException {
        TokenVerifier.Principal principal = authenticator.authenticate(ctx);
        responses.requireRedis(fanout);
        responses.admit(ctx, principal);
        HttpSseSink sink = responses.open(ctx);
        NotificationRelay relay = new NotificationRelay(principal.userId(), reader, fanout, sink, settings.clientQueueMax(), writers, metrics);
        responses.track(sink, relay, principal);
        try {
            relay.start();
        } catch (RedisFanout.UnavailableException e) {
            metrics.rejected("redis_unavailable");
            sink.event(null, "error", "{\"reason\":\"unavailable\"}");
            sink.close();
        }
    }
}
