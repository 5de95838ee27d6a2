package io.sserouter.edge.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sserouter.contract.Json;
import io.sserouter.contract.RedisKeys;
import io.sserouter.contract.StatusSnapshot;
import io.sserouter.edge.EdgeMetrics;
import io.sserouter.edge.EdgeSettings;
import io.sserouter.edge.FakeTopology;
import io.sserouter.edge.auth.Principal;
import io.sserouter.edge.redis.EventStore;
import io.sserouter.edge.redis.LoggedEvent;
import io.sserouter.edge.redis.PipelineHealth;
import io.sserouter.edge.redis.RedisEventStore;
import io.sserouter.edge.redis.GlobalFanout;
import io.sserouter.edge.redis.RedisReader;
import io.sserouter.edge.redis.UserLimits;
import io.sserouter.edge.sse.Published;
import io.sserouter.testkit.Infra;
import io.sserouter.testkit.Tokens;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.params.ClientKillParams;

/** Snapshot, exact resume, gap, close and live relay of one execution's stream, against a real Redis. */
class ExecutionRelayTest {
    private static final Tokens TOKENS = Tokens.hs256();
    private static final AtomicInteger RUNS = new AtomicInteger();
    private static final Duration WAIT = Duration.ofSeconds(10);

    private EdgeSettings settings;
    private RedisKeys keys;
    private static final Principal ADMIN = new Principal("root", true, Instant.now().plusSeconds(3600));

    private RedisReader reader;
    private GlobalFanout fanout;
    private EventStore store;
    private FakeTopology topology;
    private ScheduledExecutorService timers;
    private java.util.concurrent.ExecutorService writers;
    private final List<ExecutionRelay> relays = new ArrayList<>();
    private SimpleMeterRegistry registry;

    @BeforeEach
    void start() {
        Map<String, String> env = new HashMap<>();
        env.put("REDIS_URL", Infra.redis().url());
        env.put("SSE_REDIS_PREFIX", "relay" + RUNS.incrementAndGet() + ":");
        env.put("SSE_CLOSE_LINGER_MS", "300");
        env.put("SSE_FIRST_EVENT_WAIT_SECONDS", "2");
        env.put("SSE_CLIENT_QUEUE_MAX", "100");
        env.put("SSE_JWT_SECRET", TOKENS.secret());
        settings = EdgeSettings.fromEnv(env);
        keys = settings.redis().keys();
        reader = new RedisReader(settings.redis(), 8);
        fanout = new GlobalFanout(settings.redis());
        store = new RedisEventStore(fanout, reader);
        topology = new FakeTopology(settings.redis().url(), keys, 100);
        timers = Executors.newSingleThreadScheduledExecutor();
        registry = new SimpleMeterRegistry();
        writers = Executors.newFixedThreadPool(4);
    }

    @AfterEach
    void stop() {
        relays.forEach(ExecutionRelay::stop);
        fanout.close();
        reader.close();
        topology.close();
        timers.shutdownNow();
        writers.shutdownNow();
    }

    private ExecutionRelay relay(String id, Long resumeAfter, RecordingSink sink) throws Exception {
        return relay(id, resumeAfter, sink, store, ADMIN);
    }

    /** As the stream route does it: subscribe, read the snapshot, start from it. */
    private ExecutionRelay relay(String id, Long resumeAfter, RecordingSink sink, EventStore withStore, Principal principal) throws Exception {
        ExecutionRelay relay = new ExecutionRelay(id, resumeAfter, principal,
                new StreamDeps(settings, withStore, timers, writers, new EdgeMetrics(registry), new PipelineHealth(reader)));
        relay.subscribe();
        relay.start(sink, withStore.snapshot(id));
        relays.add(relay);
        return relay;
    }

    private static List<Long> range(long from, long to) {
        return LongStream.rangeClosed(from, to).boxed().toList();
    }

    @Test
    void aFreshClientGetsTheSnapshotThenLiveEvents() throws Exception {
        topology.writeAll("a", 3, false);
        RecordingSink sink = new RecordingSink();
        relay("a", null, sink);
        List<RecordingSink.Event> first = sink.await(1, WAIT);
        assertEquals("status", first.get(0).event());
        assertEquals("3", first.get(0).id(), "the snapshot carries its last seq as id");
        assertEquals(3, Json.read(first.get(0).data(), JsonNode.class).get("last_seq").asLong());

        topology.write("a", 4, "pod_running", "alice", false);
        topology.write("a", 5, "pod_succeeded", "alice", false);
        sink.await(3, WAIT);
        assertEquals(List.of(4L, 5L), sink.seqs());
        assertEquals(FakeTopology.envelope("a", 5, "pod_succeeded"), sink.events().get(2).data(), "the envelope is relayed as published");
    }

    @Test
    void resumingFromAnyPointGetsEveryLaterEventOnceInOrder() throws Exception {
        topology.writeAll("r", 6, false);
        for (long n = 0; n <= 6; n++) {
            RecordingSink sink = new RecordingSink();
            relay("r", n, sink);
            sink.await((int) (6 - n), WAIT);
            assertEquals(range(n + 1, 6), sink.seqs(), "resume after " + n);
            assertTrue(sink.events().stream().noneMatch(e -> e.event().equals("status")), "no snapshot when resuming");
            relays.get(relays.size() - 1).stop();
        }
        RecordingSink sink = new RecordingSink();
        relay("r", 4L, sink);
        sink.await(2, WAIT);
        topology.write("r", 7, "pod_running", "alice", false);
        sink.await(3, WAIT);
        assertEquals(List.of(5L, 6L, 7L), sink.seqs(), "then live, nothing lost between replay and live, nothing repeated");
    }

    @Test
    void anEventPublishedBetweenSubscribeAndSnapshotReadIsDeliveredOnce() throws Exception {
        topology.writeAll("race", 2, false);
        // the reader publishes event 3 right before each read: after the subscription, before the read
        EventStore racing = new RedisEventStore(fanout, reader) {
            private final AtomicInteger reads = new AtomicInteger();

            @Override
            public StatusSnapshot snapshot(String executionId) {
                if (reads.getAndIncrement() == 0) {
                    topology.write("race", 3, "pod_running", "alice", false);
                }
                return super.snapshot(executionId);
            }

            @Override
            public List<LoggedEvent> after(String executionId, long after) {
                if (reads.getAndIncrement() == 0) {
                    topology.write("race", 3, "pod_running", "alice", false);
                }
                return super.after(executionId, after);
            }
        };
        RecordingSink fresh = new RecordingSink();
        relay("race", null, fresh, racing, ADMIN);
        fresh.await(1, WAIT);
        topology.write("race", 4, "pod_running", "alice", false);
        fresh.await(2, WAIT);
        Thread.sleep(200);
        assertEquals("3", fresh.events().get(0).id(), "the snapshot already holds event 3");
        assertEquals(List.of(4L), fresh.seqs(), "event 3's live copy is not sent again");

        topology.writeAll("race2", 2, false);
        EventStore racing2 = new RedisEventStore(fanout, reader) {
            private final AtomicInteger reads = new AtomicInteger();

            @Override
            public List<LoggedEvent> after(String executionId, long after) {
                if (reads.getAndIncrement() == 0) {
                    topology.write("race2", 3, "pod_running", "alice", false);
                }
                return super.after(executionId, after);
            }
        };
        RecordingSink resumed = new RecordingSink();
        relay("race2", 1L, resumed, racing2, ADMIN);
        resumed.await(2, WAIT);
        topology.write("race2", 4, "pod_running", "alice", false);
        resumed.await(3, WAIT);
        Thread.sleep(200);
        assertEquals(List.of(2L, 3L, 4L), resumed.seqs());
    }

    @Test
    void anEventWrittenBetweenTheLogReadAndTheSnapshotReadIsRelayedNotReportedAsAGap() throws Exception {
        topology.writeAll("late", 2, false);
        java.util.concurrent.atomic.AtomicBoolean armed = new java.util.concurrent.atomic.AtomicBoolean();
        EventStore racing = new RedisEventStore(fanout, reader) {
            @Override
            public List<LoggedEvent> after(String executionId, long after) {
                List<LoggedEvent> read = super.after(executionId, after);
                if (armed.getAndSet(false)) {
                    topology.write("late", 3, "pod_running", "alice", false); // after the log read, before any snapshot read
                }
                return read;
            }
        };
        RecordingSink sink = new RecordingSink();
        ExecutionRelay relay = relay("late", 2L, sink, racing, ADMIN);
        Thread.sleep(300); // caught up: nothing after 2 yet
        armed.set(true);
        relay.onResync(); // as when the subscriber connection dropped and came back
        sink.await(1, WAIT);
        Thread.sleep(300);
        assertEquals(List.of("pod_running"), sink.events().stream().map(RecordingSink.Event::event).toList(), "no replay_gap: event 3 is in the log");
        assertEquals(List.of(3L), sink.seqs());
        assertEquals(0.0, registry.get("sse.replay.gaps").counter().count(), "no gap counted");
    }

    @Test
    void aTrimmedLogGivesAReplayGapThenWhatIsRetained() throws Exception {
        for (int seq = 1; seq <= 150; seq++) {
            topology.write("g", seq, "pod_running", "alice", false);
        }
        RecordingSink sink = new RecordingSink();
        relay("g", 10L, sink);
        List<RecordingSink.Event> events = sink.await(101, WAIT);
        assertEquals("replay_gap", events.get(0).event());
        JsonNode gap = Json.read(events.get(0).data(), JsonNode.class);
        assertEquals(51, gap.get("first_retained_seq").asLong());
        assertEquals(150, gap.get("snapshot").get("last_seq").asLong());
        assertEquals("50", events.get(0).id());
        assertEquals(range(51, 150), sink.seqs());
        assertEquals(1.0, registry.get("sse.replay.gaps").counter().count(), "the gap is counted");
    }

    @Test
    void anExpiredLogGivesAReplayGapWithTheSnapshot() throws Exception {
        topology.writeAll("x", 5, false);
        try (Jedis redis = new Jedis(URI.create(Infra.redis().url()))) {
            redis.del(keys.execLog("x"));
        }
        RecordingSink sink = new RecordingSink();
        relay("x", 2L, sink);
        List<RecordingSink.Event> events = sink.await(1, WAIT);
        assertEquals("replay_gap", events.get(0).event());
        assertEquals("5", events.get(0).id());
        topology.write("x", 6, "pod_running", "alice", false);
        sink.await(2, WAIT);
        assertEquals(List.of(6L), sink.seqs());
    }

    @Test
    void aClosedExecutionSendsWhatIsMissedThenEndsTheStream() throws Exception {
        topology.writeAll("done", 5, true);
        RecordingSink fresh = new RecordingSink();
        relay("done", null, fresh);
        assertTrue(fresh.awaitClosed(WAIT), "a fresh client gets the snapshot, then the close");
        assertEquals(List.of("status"), fresh.events().stream().map(RecordingSink.Event::event).toList());

        RecordingSink resumed = new RecordingSink();
        relay("done", 2L, resumed);
        assertTrue(resumed.awaitClosed(WAIT));
        assertEquals(List.of(3L, 4L, 5L), resumed.seqs());
    }

    @Test
    void aLiveStreamClosesShortlyAfterTheClosingEventAndRelaysStragglers() throws Exception {
        topology.writeAll("live", 2, false);
        RecordingSink sink = new RecordingSink();
        relay("live", null, sink);
        sink.await(1, WAIT);
        topology.write("live", 3, "execution_failed", "alice", true);
        topology.write("live", 4, "pod_deleted", "alice", true);
        assertTrue(sink.awaitClosed(WAIT));
        assertEquals(List.of(3L, 4L), sink.seqs());
    }

    @Test
    void aStreamForAnExecutionNotYetSeenWaitsThenRelaysEveryEventFromTheFirstOrGivesUp() throws Exception {
        RecordingSink early = new RecordingSink();
        relay("later", null, early);
        Thread.sleep(300);
        assertEquals(List.of(), early.events(), "nothing before the first event");
        topology.write("later", 1, "execution_requested", "alice", false);
        topology.write("later", 2, "execution_queued", "alice", false);
        early.await(2, WAIT);
        topology.write("later", 3, "execution_running", "alice", false);
        early.await(3, WAIT);
        Thread.sleep(200);
        assertEquals(List.of("execution_requested", "execution_queued", "execution_running"),
                early.events().stream().map(RecordingSink.Event::event).toList(), "every event from seq 1, no snapshot in their place");
        assertEquals(List.of(1L, 2L, 3L), early.seqs());

        RecordingSink never = new RecordingSink();
        relay("never", null, never);
        assertTrue(never.awaitClosed(WAIT));
        assertEquals("error", never.events().get(0).event());
        assertEquals("not_found", Json.read(never.events().get(0).data(), JsonNode.class).get("reason").asText());
    }

    @Test
    void theOwnershipHookHoldsTheStreamUntilTheOwnerIsKnownThenForbids() throws Exception {
        topology.write("own", 1, "pod_created", null, false);
        RecordingSink sink = new RecordingSink();
        relay("own", null, sink, store, new Principal("bob", false, Instant.now().plusSeconds(3600)));
        Thread.sleep(300);
        assertEquals(List.of(), sink.events(), "owner unknown: nothing relayed");
        topology.write("own", 2, "execution_requested", "alice", false);
        assertTrue(sink.awaitClosed(WAIT));
        assertEquals(List.of("error"), sink.events().stream().map(RecordingSink.Event::event).toList());
        assertEquals("forbidden", Json.read(sink.events().get(0).data(), JsonNode.class).get("reason").asText());
    }

    @Test
    void aClientThatStopsReadingIsDisconnectedWhileAFastOneKeepsUp() throws Exception {
        topology.writeAll("busy", 1, false);
        RecordingSink slow = new RecordingSink();
        RecordingSink fast = new RecordingSink();
        relay("busy", null, slow);
        relay("busy", null, fast);
        slow.await(1, WAIT);
        fast.await(1, WAIT);
        slow.stall();
        for (int seq = 2; seq <= 400; seq++) {
            topology.write("busy", seq, "pod_running", "alice", false);
            if (seq % 20 == 0) {
                Thread.sleep(5); // a busy execution, not a burst beyond any client's queue
            }
        }
        Duration busyMachine = Duration.ofSeconds(30); // only an upper bound: on a quiet machine this takes well under 1 s
        fast.await(400, busyMachine);
        assertEquals(range(2, 400), fast.seqs());
        assertTrue(slow.awaitClosed(busyMachine), "the stalled client is cut off (it resumes by Last-Event-ID)");
        assertEquals(ExecutionRelay.State.CLOSED, relays.get(0).state());
    }

    @Test
    void aDroppedRedisConnectionLosesNothing() throws Exception {
        topology.writeAll("drop", 1, false);
        RecordingSink sink = new RecordingSink();
        relay("drop", null, sink);
        sink.await(1, WAIT);
        long killed = 0;
        try (Jedis admin = new Jedis(URI.create(Infra.redis().url()))) {
            for (int seq = 2; seq <= 60; seq++) {
                topology.write("drop", seq, "pod_running", "alice", false);
                if (seq == 20) {
                    killed = admin.clientList().lines().filter(l -> l.contains("name=sse-router-edge-fanout"))
                            .map(l -> l.substring(3, l.indexOf(' ')))
                            .mapToLong(id -> admin.clientKill(new ClientKillParams().id(id))).sum();
                }
            }
        }
        assertTrue(killed >= 1, "the subscriber connection was dropped");
        sink.await(60, WAIT);
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (sink.seqs().size() < 59 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(range(2, 60), sink.seqs(), "events published while the subscriber was down come from the log");
        assertFalse(sink.closed());
    }

    @Test
    void aStreamWhoseReadOfRedisFailsStaysOpenAndCatchesUpOnceRedisAnswers() throws Exception {
        topology.writeAll("flaky", 2, false);
        FailingReads flaky = new FailingReads(store);
        RecordingSink sink = new RecordingSink();
        ExecutionRelay relay = relay("flaky", null, sink, flaky, ADMIN);
        sink.await(1, WAIT);

        flaky.failing = true; // Redis mid-failover: every read fails
        try (Jedis jedis = new Jedis(URI.create(Infra.redis().url()))) {
            // written while the subscription was lost: only the log has it
            jedis.xadd(keys.execLog("flaky"), new StreamEntryID(3, 0), Map.of(RedisKeys.LOG_FIELD, FakeTopology.envelope("flaky", 3, "pod_running")));
        }
        relay.onResync(); // the subscription is back: the stream reads the log, and the read fails
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (flaky.failures.get() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(flaky.failures.get() >= 3, "the read was tried again while Redis failed");
        assertFalse(sink.closed(), "the stream stays open while Redis does not answer");

        flaky.failing = false;
        sink.await(2, WAIT);
        topology.write("flaky", 4, "pod_running", "alice", false);
        sink.await(3, WAIT);
        assertEquals(List.of(3L, 4L), sink.seqs(), "what the failed read missed, then live events, each once");
        assertFalse(sink.closed());
    }

    /** The real store, whose reads fail as they do while Redis does not answer, for as long as {@code failing} is set. */
    private static final class FailingReads implements EventStore {
        private final EventStore store;
        volatile boolean failing;
        final AtomicInteger failures = new AtomicInteger();

        FailingReads(EventStore store) {
            this.store = store;
        }

        private void check() {
            if (failing) {
                failures.incrementAndGet();
                throw new JedisConnectionException("Failed to connect to any host resolved for DNS name.");
            }
        }

        @Override
        public RedisKeys keys() {
            return store.keys();
        }

        @Override
        public void subscribe(String channel, Listener listener) throws UnavailableException {
            store.subscribe(channel, listener);
        }

        @Override
        public void unsubscribe(String channel, Listener listener) {
            store.unsubscribe(channel, listener);
        }

        @Override
        public StatusSnapshot snapshot(String executionId) {
            check();
            return store.snapshot(executionId);
        }

        @Override
        public List<LoggedEvent> after(String executionId, long afterSeq) {
            check();
            return store.after(executionId, afterSeq);
        }

        @Override
        public java.util.Collection<String> latestBroadcasts() {
            check();
            return store.latestBroadcasts();
        }

        @Override
        public List<Published> userLogAfter(String userId, String afterId, int limit) {
            check();
            return store.userLogAfter(userId, afterId, limit);
        }

        @Override
        public String userLogLast(String userId) {
            check();
            return store.userLogLast(userId);
        }

        @Override
        public List<StatusSnapshot> recentExecutions(String userId, int limit) {
            check();
            return store.recentExecutions(userId, limit);
        }

        @Override
        public List<StatusSnapshot> executionsActiveSince(String userId, long sinceMillis, int limit) {
            check();
            return store.executionsActiveSince(userId, sinceMillis, limit);
        }
    }

    @Test
    void deliveryLatencyIsRecordedOnlyForEventsTheClientGot() throws Exception {
        topology.writeAll("lat", 1, false);
        RecordingSink sink = new RecordingSink();
        relay("lat", null, sink);
        sink.await(1, WAIT);
        topology.write("lat", 2, "pod_running", "alice", false, stamped("lat", 2));
        sink.await(2, WAIT);
        awaitLatencyCount(1);
        sink.hangUp();
        topology.write("lat", 3, "pod_running", "alice", false, stamped("lat", 3));
        assertTrue(sink.awaitClosed(WAIT), "a failed write ends the stream");
        Thread.sleep(200);
        assertEquals(1, registry.get("sse.delivery.latency").timer().count(), "the event the client never got is not a delivery");
    }

    @Test
    void aStreamEndedFromTheSubscriberThreadWhileItStartsWaitingLeavesNoTimerBehind() throws Exception {
        AtomicReference<ExecutionRelay> started = new AtomicReference<>();
        List<ScheduledFuture<?>> waits = new CopyOnWriteArrayList<>();
        long firstEventWait = settings.firstEventWait().toMillis();
        timers.shutdownNow();
        timers = new ScheduledThreadPoolExecutor(1) {
            @Override
            public ScheduledFuture<?> schedule(Runnable task, long delay, TimeUnit unit) {
                if (unit.toMillis(delay) == firstEventWait) {
                    // Meanwhile the client falls too far behind, and the subscriber thread ends the stream.
                    ExecutionRelay relay = awaitSet(started);
                    for (int i = 0; i < settings.clientQueueMax(); i++) {
                        relay.heartbeat();
                    }
                    Thread subscriber = new Thread(() -> relay.onMessage(Published.parse(FakeTopology.envelope("idle", 1, "pod_running")), true));
                    subscriber.start();
                    try {
                        subscriber.join();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                ScheduledFuture<?> future = super.schedule(task, delay, unit);
                if (unit.toMillis(delay) == firstEventWait) {
                    waits.add(future);
                }
                return future;
            }
        };
        RecordingSink sink = new RecordingSink();
        started.set(relay("idle", null, sink));
        assertTrue(sink.awaitClosed(WAIT), "the slow stream is ended");
        long deadline = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        while (waits.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        Thread.sleep(100);
        assertEquals(1, waits.size(), "the stream started its wait for a first event");
        assertTrue(waits.get(0).isCancelled(), "the closed stream's wait timer is cancelled, not left to fire");
    }

    @Test
    void aHeartbeatRoundPingsAndKeepsAliveOneSliceOfTheStreamsAtATimeAndEveryStreamOnce() throws Exception {
        try (UnifiedJedis client = settings.redis().pooledClient("test-limits", 2)) {
            StreamRegistry streams = new StreamRegistry(new UserLimits(client, keys, settings, settings.redis().pubSub()), timers,
                    new EdgeMetrics(registry));
            List<RecordingSink> sinks = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                topology.writeAll("beat" + i, 1, false);
                RecordingSink sink = new RecordingSink();
                ExecutionRelay relay = relay("beat" + i, null, sink);
                sink.await(1, WAIT);
                streams.register(new Principal("beater" + i, false, Instant.now().plusSeconds(3600)), relay);
                sinks.add(sink);
            }
            for (int slice = 0; slice < 3; slice++) {
                List<Double> deadlines = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    deadlines.add(slotDeadline(client, "beater" + i));
                }
                List<Integer> pingedBefore = sinks.stream().map(RecordingSink::comments).toList();
                Thread.sleep(5); // a refreshed deadline is a later one
                streams.heartbeat(slice, 3);
                int expected = 2 * (slice + 1);
                long until = System.nanoTime() + WAIT.toNanos();
                while (sinks.stream().mapToInt(RecordingSink::comments).sum() < expected && System.nanoTime() < until) {
                    Thread.sleep(10);
                }
                Thread.sleep(200); // and no more pings than that
                assertEquals(expected, sinks.stream().mapToInt(RecordingSink::comments).sum(), "streams pinged after slice " + slice);
                for (int i = 0; i < 6; i++) {
                    boolean pinged = sinks.get(i).comments() > pingedBefore.get(i);
                    assertEquals(pinged, slotDeadline(client, "beater" + i) > deadlines.get(i), "stream " + i + ": its slot is kept alive with its ping, slice " + slice);
                }
            }
            assertEquals(List.of(1, 1, 1, 1, 1, 1), sinks.stream().map(RecordingSink::comments).toList(), "one ping each per round");
        }
    }

    /** The deadline of the user's one stream slot. */
    private double slotDeadline(UnifiedJedis client, String user) {
        return client.zrangeWithScores(keys.streamSlotDeadlines(user), 0, -1).get(0).getScore();
    }

    private static ExecutionRelay awaitSet(AtomicReference<ExecutionRelay> relay) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (relay.get() == null && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        return relay.get();
    }

    private static String stamped(String id, long seq) {
        return "{\"execution_id\":\"" + id + "\",\"seq\":" + seq + ",\"event_type\":\"pod_running\",\"timestamp\":\""
                + Instant.now() + "\",\"data\":{}}";
    }

    private void awaitLatencyCount(long count) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (registry.get("sse.delivery.latency").timer().count() < count && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(count, registry.get("sse.delivery.latency").timer().count());
    }
}
