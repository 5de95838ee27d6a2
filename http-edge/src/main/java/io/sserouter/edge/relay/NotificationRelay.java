package io.sserouter.edge.relay;

import io.sserouter.edge.sse.Published;
import io.sserouter.edge.sse.SseSink;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One client's stream of its user's notifications and of system broadcasts. On connect it sends the latest
 * broadcast of each type, then relays live messages. Notifications have no seq, so there is no resume: pub/sub
 * delivers them at most once, to the clients connected at the time.
 */
public final class NotificationRelay extends Relay {
    /** Latest broadcasts sent at connect; a live copy of one of them (published during the connect) is not sent again. */
    private final Set<String> sentAtConnect = new HashSet<>(); // only touched by the stream's serial steps

    public NotificationRelay(String userId, StreamDeps deps) {
        super(deps, List.of(deps.store().keys().notifications(userId), deps.store().keys().broadcast()));
    }

    public void start(SseSink sink) {
        start(sink, this::sendLatest);
    }

    private void sendLatest() {
        for (String envelope : store.latestBroadcasts()) {
            sentAtConnect.add(envelope);
            if (!deliver(Published.parse(envelope))) {
                return;
            }
        }
    }

    @Override
    protected void relay(Published message) {
        if (!sentAtConnect.isEmpty() && sentAtConnect.remove(message.json())) {
            return;
        }
        deliver(message);
    }

    @Override
    protected void resync() {
        // nothing to replay: notifications are not retained
    }
}
