package io.sserouter.edge.http;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.sserouter.edge.auth.Principal;
import io.sserouter.edge.relay.NotificationRelay;
import io.sserouter.edge.relay.StreamDeps;
import java.io.IOException;

/** {@code GET /api/v1/events/notifications}: the token's user's notifications and every system broadcast. */
public final class NotificationStreamHandler implements Handler {
    private final StreamAdmission admission;
    private final StreamDeps deps;

    public NotificationStreamHandler(StreamAdmission admission, StreamDeps deps) {
        this.admission = admission;
        this.deps = deps;
    }

    @Override
    public void handle(Context ctx) throws IOException {
        Principal principal = admission.admit(ctx); // draining, token, Redis reachable, connection rate
        NotificationRelay relay = new NotificationRelay(principal.userId(), deps);
        admission.subscribe(ctx, relay);
        admission.open(ctx, principal, relay, relay::start);
    }
}
