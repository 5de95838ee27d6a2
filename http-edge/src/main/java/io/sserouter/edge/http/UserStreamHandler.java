package io.sserouter.edge.http;

import io.sserouter.contract.StatusSnapshot;
import io.sserouter.edge.auth.Principal;
import io.sserouter.edge.redis.EventStore;
import io.sserouter.edge.relay.StreamDeps;
import io.sserouter.edge.relay.UserLogId;
import io.sserouter.edge.relay.UserRelay;
import java.util.List;

/**
 * {@code GET /api/v1/events}: the user stream, every event of every execution the token's user owns (an admin may
 * name another with {@code ?user=}), with the user's notifications and the system broadcasts, on one connection,
 * resumable by the log id of its last event.
 */
public final class UserStreamHandler {
    private final StreamAdmission admission;
    private final StreamDeps deps;

    public UserStreamHandler(StreamAdmission admission, StreamDeps deps) {
        this.admission = admission;
        this.deps = deps;
    }

    void serve(StreamExchange exchange) {
        UserLogId cursor = RequestRules.userCursor(exchange);
        Principal principal = admission.admit(exchange); // draining, token, Redis reachable, connection rate: one stream
        String user = RequestRules.user(exchange, principal);
        UserRelay relay = new UserRelay(user, deps);
        admission.subscribe(exchange, relay);
        EventStore store = deps.store();
        UserLogId before;
        List<StatusSnapshot> snapshots;
        UserLogId after;
        try {
            before = UserLogId.parseOrZero(store.userLogLast(user));
            // Nothing remembered (a user idle longer than the log is kept) still resumes: the relay tells a gap from nothing.
            if (cursor != null && (before.equals(UserLogId.ZERO) || !cursor.after(before))) {
                admission.open(exchange, principal, relay, sink -> relay.resume(sink, cursor));
                return;
            }
            // A fresh connect, or a cursor beyond anything logged (not from this deployment): start from the snapshots.
            snapshots = store.recentExecutions(user, deps.settings().userStreamSnapshots());
            after = UserLogId.parseOrZero(store.userLogLast(user));
        } catch (RuntimeException redisDown) {
            relay.abandon();
            throw redisDown;
        }
        admission.open(exchange, principal, relay, sink -> relay.startFresh(sink, before, snapshots, after));
    }
}
