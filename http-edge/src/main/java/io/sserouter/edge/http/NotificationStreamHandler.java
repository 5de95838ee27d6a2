package io.sserouter.edge.http;

import io.sserouter.edge.auth.Principal;
import io.sserouter.edge.relay.NotificationRelay;
import io.sserouter.edge.relay.StreamDeps;

/** {@code GET /api/v1/events/notifications}: the token's user's notifications and every system broadcast. */
public final class NotificationStreamHandler {
    private final StreamAdmission admission;
    private final StreamDeps deps;

    public NotificationStreamHandler(StreamAdmission admission, StreamDeps deps) {
        this.admission = admission;
        this.deps = deps;
    }

    void serve(StreamExchange exchange) {
        Principal principal = admission.admit(exchange); // draining, token, Redis reachable, connection rate
        NotificationRelay relay = new NotificationRelay(principal.userId(), deps);
        admission.subscribe(exchange, relay);
        admission.open(exchange, principal, relay, relay::start);
    }
}
