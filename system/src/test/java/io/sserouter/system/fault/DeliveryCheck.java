package io.sserouter.system.fault;

import com.fasterxml.jackson.databind.JsonNode;
import io.sserouter.contract.Json;
import io.sserouter.contract.RedisKeys;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.commands.JedisCommands;
import redis.clients.jedis.resps.StreamEntry;

/**
 * Compares what every client received with what Redis holds (the execution's log and its snapshot's
 * {@code last_seq}) and with what the producer sent, and sums up the figures of a run.
 */
public final class DeliveryCheck {
    public long executions;
    public long executionsClosed;
    public long eventsSent;
    public long eventsDelivered;
    public long lost;
    public long repeated;
    public long outOfOrder;
    public long mismatched;
    public long reconnects;
    public long refused;
    public long cutBeforeClose;
    public long shutdownEvents;
    public long longestSilenceMillis;
    public long longestDelayMillis;
    public int maxReconnectsOfOneClient;
    public final List<String> problems = new ArrayList<>();
    private final List<Long> delays = new ArrayList<>();

    /** The producer's numbering of each seq in the execution's Redis log, after checking it against what was sent. */
    private Map<Long, Integer> redisView(JedisCommands redis, RedisKeys keys, String id, int sent) {
        String snapshot = redis.get(keys.execStatus(id));
        long lastSeq = snapshot == null ? -1 : Json.read(snapshot, JsonNode.class).path("last_seq").asLong();
        if (lastSeq != sent) {
            problems.add(id + ": snapshot last_seq " + lastSeq + ", producer sent " + sent);
        }
        Map<Long, Integer> bySeq = new HashMap<>();
        Set<Integer> ns = new HashSet<>();
        List<StreamEntry> log = redis.xrange(keys.execLog(id), (StreamEntryID) null, (StreamEntryID) null);
        long expected = 1;
        for (StreamEntry entry : log) {
            JsonNode envelope = Json.read(entry.getFields().get(RedisKeys.LOG_FIELD), JsonNode.class);
            long seq = envelope.path("seq").asLong();
            if (seq != expected++ || !entry.getID().toString().equals(seq + "-0")) {
                problems.add(id + ": log entry " + entry.getID() + " holds seq " + seq + " at position " + (expected - 1));
            }
            int n = envelope.path("data").path("n").asInt();
            if (!ns.add(n)) {
                problems.add(id + ": producer event " + n + " logged twice");
            }
            bySeq.put(seq, n);
        }
        if (log.size() != sent) {
            problems.add(id + ": log holds " + log.size() + " events, producer sent " + sent);
        }
        return bySeq;
    }

    public void add(SseFollower follower, Workload workload, JedisCommands redis, RedisKeys keys, boolean timed) {
        int clientReconnects = 0;
        for (SseFollower.Followed f : follower.followed()) {
            executions++;
            int sent = workload.sent(f.executionId);
            eventsSent += sent;
            Map<Long, Integer> logged = redisView(redis, keys, f.executionId, sent);
            clientReconnects += f.connects - 1;
            refused += f.refused;
            cutBeforeClose += f.cutBeforeClose;
            shutdownEvents += f.shutdownEvents;
            f.anomalies.forEach(a -> problems.add(f.executionId + ": " + a));
            if (f.closed) {
                executionsClosed++;
            } else {
                problems.add(f.executionId + ": the client never saw the closing event (" + f.events.size() + " of " + sent + " events)");
            }
            Set<Long> seen = new HashSet<>();
            long max = 0;
            long previousAt = -1;
            for (SseFollower.Received r : f.events) {
                eventsDelivered++;
                if (!seen.add(r.seq())) {
                    repeated++;
                    continue;
                }
                if (r.seq() < max) {
                    outOfOrder++;
                }
                max = Math.max(max, r.seq());
                Integer n = logged.get(r.seq());
                if (n == null || n != r.n()) {
                    mismatched++;
                    problems.add(f.executionId + ": seq " + r.seq() + " carried producer event " + r.n() + ", Redis has " + n);
                }
                if (!timed) {
                    continue;
                }
                if (previousAt >= 0) {
                    longestSilenceMillis = Math.max(longestSilenceMillis, r.receivedAtMillis() - previousAt);
                }
                previousAt = r.receivedAtMillis();
                long delay = r.receivedAtMillis() - r.sentAtMillis();
                delays.add(delay);
                longestDelayMillis = Math.max(longestDelayMillis, delay);
            }
            List<Long> missing = new ArrayList<>();
            for (long seq = 1; seq <= sent; seq++) {
                if (!seen.contains(seq)) {
                    missing.add(seq);
                }
            }
            if (!missing.isEmpty()) {
                lost += missing.size();
                problems.add(f.executionId + ": never received seqs " + missing + " (" + f.connects + " connects)");
            }
            if (max > sent) {
                problems.add(f.executionId + ": received seq " + max + " beyond the " + sent + " sent");
            }
        }
        reconnects += clientReconnects;
        maxReconnectsOfOneClient = Math.max(maxReconnectsOfOneClient, clientReconnects);
    }

    public long delayPercentile(double p) {
        if (delays.isEmpty()) {
            return 0;
        }
        List<Long> sorted = new ArrayList<>(delays);
        sorted.sort(null);
        return sorted.get((int) Math.min(sorted.size() - 1, Math.floor(p * sorted.size())));
    }
}
