package io.sserouter.edge;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One client's stream of its user's notifications and of system broadcasts. On connect it sends the latest
 * broadcast of each type, then relays live messages. Notifications have no seq, so there is no resume: pub/sub
 * delivers them at most once, to the clients connected at the time.
 */
final class NotificationRelay implements LiveStream {
    private final String userChannel;
    private final String broadcastChannel;
    private final RedisReader reader;
    private final RedisFanout fanout;
    private final SseSink sink;
    private final EdgeMetrics metrics;
    private final SerialInbox inbox;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final RedisFanout.Listener listener = new RedisFanout.Listener() {
        @Override
        public void onMessage(Published message) {
            if (inbox.full()) {
                metrics.slowClient();
                close();
                return;
            }
            inbox.submit(() -> live(message));
        }

        @Override
        public void onResync() {
            // nothing to replay: notifications are not retained
        }
    };
    /** Latest broadcasts sent at connect; a live copy of one of them (published during the connect) is not sent again. */
    private Set<String> sentAtConnect = new HashSet<>();

    NotificationRelay(String userId, SseSink sink, StreamDeps deps) {
        this.userChannel = deps.reader().keys().notifications(userId);
        this.broadcastChannel = deps.reader().keys().broadcast();
        this.reader = deps.reader();
        this.fanout = deps.fanout();
        this.sink = sink;
        this.metrics = deps.metrics();
        this.inbox = new SerialInbox(deps.writers(), deps.settings().clientQueueMax(), () -> {
            metrics.failure();
            close();
        });
    }

    @Override
    public void start() throws RedisFanout.UnavailableException {
        fanout.subscribe(userChannel, listener);
        try {
            fanout.subscribe(broadcastChannel, listener);
        } catch (RedisFanout.UnavailableException e) {
            fanout.unsubscribe(userChannel, listener);
            throw e;
        }
        inbox.submit(this::sendLatest);
    }

    private void sendLatest() {
        for (String envelope : reader.latestBroadcasts()) {
            sentAtConnect.add(envelope);
            send(Published.parse(envelope));
        }
    }

    private void live(Published message) {
        if (!sentAtConnect.isEmpty() && sentAtConnect.remove(message.json())) {
            return;
        }
        send(message);
    }

    private void send(Published message) {
        if (sink.event(null, message.eventType(), message.json())) {
            metrics.sent();
            metrics.delivered(message.timestampMillis());
        } else {
            close();
        }
    }

    @Override
    public void heartbeat() {
        inbox.submit(() -> {
            if (!sink.comment("ping")) {
                close();
            }
        });
    }

    @Override
    public void end(String reason) {
        inbox.submit(() -> {
            sink.event(null, "error", "{\"reason\":\"" + reason + "\"}");
            close();
        });
    }

    @Override
    public void shutdown(long reconnectAfterMillis) {
        inbox.submit(() -> {
            if (!sink.retry(reconnectAfterMillis) || !sink.event(null, "shutdown", Shutdown.data(reconnectAfterMillis))) {
                close();
            }
        });
    }

    @Override
    public void stop() {
        inbox.submit(this::close);
    }

    private void close() {
        if (closing.compareAndSet(false, true)) {
            fanout.unsubscribe(userChannel, listener);
            fanout.unsubscribe(broadcastChannel, listener);
            inbox.close();
            sink.close();
        }
    }
}
