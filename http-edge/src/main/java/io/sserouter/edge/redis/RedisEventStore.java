package io.sserouter.edge.redis;

import io.sserouter.contract.RedisKeys;
import io.sserouter.contract.StatusSnapshot;
import java.util.Collection;
import java.util.List;
import io.sserouter.edge.sse.Published;

/** The event store of an edge instance: its one subscriber connection for live messages, pooled reads for the rest. */
public class RedisEventStore implements EventStore {
    private final Fanout fanout;
    private final RedisReader reader;

    public RedisEventStore(Fanout fanout, RedisReader reader) {
        this.fanout = fanout;
        this.reader = reader;
    }

    @Override
    public RedisKeys keys() {
        return reader.keys();
    }

    @Override
    public void subscribe(String channel, Listener listener) throws UnavailableException {
        fanout.subscribe(channel, listener);
    }

    @Override
    public void unsubscribe(String channel, Listener listener) {
        fanout.unsubscribe(channel, listener);
    }

    @Override
    public StatusSnapshot snapshot(String executionId) {
        return reader.snapshot(executionId);
    }

    @Override
    public List<LoggedEvent> after(String executionId, long afterSeq) {
        return reader.after(executionId, afterSeq);
    }

    @Override
    public Collection<String> latestBroadcasts() {
        return reader.latestBroadcasts();
    }

    @Override
    public List<Published> userLogAfter(String userId, String afterId, int limit) {
        return reader.userLogAfter(userId, afterId, limit);
    }

    @Override
    public String userLogLast(String userId) {
        return reader.userLogLast(userId);
    }

    @Override
    public List<StatusSnapshot> recentExecutions(String userId, int limit) {
        return reader.recentExecutions(userId, limit);
    }

    @Override
    public List<StatusSnapshot> executionsActiveSince(String userId, long sinceMillis, int limit) {
        return reader.executionsActiveSince(userId, sinceMillis, limit);
    }
}
