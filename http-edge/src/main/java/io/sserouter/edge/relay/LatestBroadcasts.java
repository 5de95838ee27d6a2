package io.sserouter.edge.relay;

import io.sserouter.edge.redis.EventStore;
import io.sserouter.edge.sse.Published;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The latest system event of each type, which a stream carrying broadcasts sends when it starts, and the live copies of
 * them (published during the connect) that it then must not send again. Only touched by the stream's serial steps.
 */
final class LatestBroadcasts {
    /** Null until one is sent: most connects find none, and a stream keeps no empty set. */
    private Set<String> sentAtConnect;

    /** Sends each latest broadcast through {@code deliver}; false when the client is gone. */
    boolean send(EventStore store, Predicate<Published> deliver) {
        for (String envelope : store.latestBroadcasts()) {
            if (sentAtConnect == null) {
                sentAtConnect = new HashSet<>();
            }
            sentAtConnect.add(envelope);
            if (!deliver.test(Published.parse(envelope))) {
                return false;
            }
        }
        return true;
    }

    /** True for a live message that is one of those sent at connect (it is then forgotten: a later one is new). */
    boolean alreadySent(Published message) {
        return sentAtConnect != null && !sentAtConnect.isEmpty() && sentAtConnect.remove(message.json());
    }
}
