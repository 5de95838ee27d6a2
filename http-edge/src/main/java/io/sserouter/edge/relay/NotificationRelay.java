package io.sserouter.edge.relay;

import io.sserouter.edge.sse.Published;
import io.sserouter.edge.sse.SseSink;
import java.util.List;

/**
 * One client's stream of its user's notifications and of system broadcasts. On connect it sends the latest
 * broadcast of each type, then relays live messages. Notifications have no seq, so there is no resume: pub/sub
 * delivers them at most once, to the clients connected at the time.
 */
public final class NotificationRelay extends Relay {
    private final LatestBroadcasts latest = new LatestBroadcasts();
    private final String userId;

    public NotificationRelay(String userId, StreamDeps deps) {
        super(deps);
        this.userId = userId;
    }

    @Override
    protected List<String> channels() {
        return List.of(store.keys().notifications(userId), store.keys().broadcast());
    }

    public void start(SseSink sink) {
        start(sink, () -> latest.send(store, this::deliver));
    }

    @Override
    protected void relay(Published message) {
        if (!latest.alreadySent(message)) {
            deliver(message);
        }
    }

    @Override
    protected boolean relaysWithoutBlocking(Published message) {
        return true;
    }

    @Override
    protected void resync() {
        // nothing to replay: notifications are not retained
    }
}
