package io.sserouter.edge;

import static io.sserouter.edge.ExecutionSetStreamTest.WAIT;
import static io.sserouter.edge.ExecutionSetStreamTest.range;
import static io.sserouter.edge.ExecutionSetStreamTest.seqsByExecution;
import static io.sserouter.edge.ExecutionSetStreamTest.settings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sserouter.testkit.Tokens;
import io.sserouter.testkit.sse.SseClient;
import io.sserouter.testkit.sse.SseEvent;
import io.sserouter.topology.SinkWrite;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/** {@code GET /api/v1/events}: every execution a user owns, with notifications and broadcasts, on one stream, with a real Redis. */
class UserStreamTest {
    static final Tokens TOKENS = ExecutionSetStreamTest.TOKENS;
    private static EdgeSettings settings;
    private static EdgeApp edge;
    private static FakeTopology topology;

    @BeforeAll
    static void start() {
        settings = settings("user:");
        edge = EdgeApp.start(settings);
        topology = new FakeTopology(settings.redis().url(), settings.redis().keys(), 100);
    }

    @AfterAll
    static void stop() {
        edge.close();
        topology.close();
    }

    static SseClient follow(int port, String token) {
        return SseClient.to(URI.create("http://127.0.0.1:" + port + "/api/v1/events")).bearer(token)
                .retry(Duration.ofMillis(100)).start(Duration.ofSeconds(60));
    }

    /** {@code execution:seq} of each execution event, in arrival order. */
    static List<String> order(List<SseEvent> events) {
        List<String> order = new ArrayList<>();
        for (SseEvent event : events) {
            if (event.json() != null && event.json().has("seq") && !event.event().equals("status")) {
                order.add(event.json().get("execution_id").asText() + ":" + event.json().get("seq").asLong());
            }
        }
        return order;
    }

    @Test
    void aFreshConnectGetsTheRecentSnapshotsThenEveryLiveEventOfTheUsersExecutionsAndNotifications() throws Exception {
        topology.writeAll("fresh-1", 2, false);
        topology.write("fresh-2", 1, "pod_running", "ann", false);
        topology.write("fresh-bob", 1, "pod_running", "bob-fresh", false);
        try (SseClient client = follow(edge.port(), TOKENS.user("ann", Duration.ofMinutes(10)));
             Jedis redis = new Jedis(settings.redis().url())) {
            List<SseEvent> events = client.await(1, WAIT);
            assertEquals("status", events.get(0).event());
            assertEquals("fresh-2", events.get(0).json().get("execution_id").asText(), "the most recently active first");
            String connectedAt = events.get(0).id();

            topology.write("fresh-3", 1, "execution_requested", "ann", false); // starts after the connect
            topology.write("fresh-bob", 2, "pod_running", "bob-fresh", false);
            topology.write("fresh-2", 2, "pod_running", "ann", false);
            redis.publish(settings.redis().keys().notifications("ann"), "{\"user_id\":\"ann\",\"event_type\":\"quota_warning\"}");
            SseEvent notification = client.awaitEvent(e -> e.event().equals("quota_warning"), WAIT).orElseThrow();
            SseEvent live = client.awaitEvent(e -> e.data().contains("\"fresh-2\"") && e.data().contains("\"seq\":2"), WAIT).orElseThrow();
            Thread.sleep(200);

            assertEquals(List.of("fresh-3:1", "fresh-2:2"), order(client.events()), "only ann's executions, each event once");
            SseEvent started = client.events().stream().filter(e -> e.event().equals("execution_requested")).findFirst().orElseThrow();
            assertEquals(FakeTopology.envelope("fresh-3", 1, "execution_requested"), started.data(), "the envelope as published");
            assertTrue(live.id().compareTo(started.id()) > 0 && started.id().compareTo(connectedAt) > 0, "ids follow the user's log");
            assertNull(notification.id(), "a notification does not move the position");
        }
    }

    @Test
    void aClientCutMidStreamResumesEveryExecutionExactlyOnceInTheSameOrderOnAnotherInstance() throws Exception {
        EdgeSettings own = settings("user-ab:");
        int perExecution = 30;
        List<String> ids = List.of("r-1", "r-2", "r-3", "r-4");
        try (EdgeApp a = EdgeApp.start(own); EdgeApp b = EdgeApp.start(own);
             FakeTopology writer = new FakeTopology(own.redis().url(), own.redis().keys(), 1000);
             SwitchingProxy balancer = new SwitchingProxy(a.port());
             SseClient client = follow(balancer.port(), TOKENS.user("cy", Duration.ofMinutes(10)))) {
            assertTrue(client.awaitConnection(1, WAIT));
            Thread producer = new Thread(() -> {
                for (int seq = 1; seq <= perExecution; seq++) {
                    for (String id : ids) {
                        writer.write(id, seq, "pod_running", "cy", false);
                        sleep(3);
                    }
                }
            });
            producer.start();
            client.await(40, WAIT);
            balancer.switchTo(b.port()); // cut mid-stream: the client reconnects to the same URL, landing on B
            int beforeCut = client.events().size();
            producer.join();
            client.await(ids.size() * perExecution, WAIT);
            Thread.sleep(500);

            assertTrue(beforeCut < ids.size() * perExecution, "the cut came mid-stream: " + beforeCut);
            assertTrue(balancer.connections() >= 2 && client.statuses().size() >= 2, "the client reconnected");
            Map<String, List<Long>> seqs = seqsByExecution(client.events());
            for (String id : ids) {
                assertEquals(range(1, perExecution), seqs.get(id), id + ": every event once, in order");
            }
            List<String> expected = new ArrayList<>();
            for (int seq = 1; seq <= perExecution; seq++) {
                for (String id : ids) {
                    expected.add(id + ":" + seq);
                }
            }
            assertEquals(expected, order(client.events()), "the order the user's log has, across the reconnect");
        }
    }

    @Test
    void eventsSequencedBeforeTheOwnerWasKnownArriveWhenItIs() throws Exception {
        try (SseClient client = follow(edge.port(), TOKENS.user("dee", Duration.ofMinutes(10)))) {
            assertTrue(client.awaitConnection(1, WAIT));
            topology.write("late-1", 1, "pod_created", null, false);
            topology.write("late-1", 2, "pod_scheduled", null, false);
            topology.write("late-1", 3, "execution_requested", "dee", false, FakeTopology.envelope("late-1", 3, "execution_requested"),
                    List.of(new SinkWrite.Earlier(1, FakeTopology.envelope("late-1", 1, "pod_created")),
                            new SinkWrite.Earlier(2, FakeTopology.envelope("late-1", 2, "pod_scheduled"))));
            client.await(3, WAIT);
            Thread.sleep(200);
            assertEquals(List.of("late-1:1", "late-1:2", "late-1:3"), order(client.events()));
        }
    }

    @Test
    void aCursorOlderThanWhatIsRetainedGetsAReplayGapWithTheSnapshotsThenWhatIsRetained() throws Exception {
        try (FakeTopology trimming = new FakeTopology(settings.redis().url(), settings.redis().keys(), 5);
             Jedis redis = new Jedis(settings.redis().url())) {
            for (int seq = 1; seq <= 5; seq++) {
                trimming.write("g-1", seq, "pod_running", "eve", false);
                trimming.write("g-2", seq, "pod_running", "eve", false);
            }
            var log = redis.xrange(settings.redis().keys().userLog("eve"), "-", "+");
            assertEquals(5, log.size(), "only the last 5 entries retained");
            String firstRetained = log.get(0).getID().toString();
            SseClient client = SseClient.to(URI.create("http://127.0.0.1:" + edge.port() + "/api/v1/events?token="
                    + TOKENS.user("eve", Duration.ofMinutes(10)))).lastEventId("1-0").resumeByQuery().retry(Duration.ofMillis(100)).start();
            try (client) {
                List<SseEvent> events = client.await(1 + 5, WAIT);
                SseEvent gap = events.get(0);
                assertEquals("replay_gap", gap.event());
                assertEquals("1-0", gap.json().get("last_event_id").asText());
                assertEquals(firstRetained, gap.json().get("first_retained_id").asText());
                assertEquals(2, gap.json().get("snapshots").size(), "the executions active since the cursor");
                assertEquals(5, gap.json().get("snapshots").get(0).get("last_seq").asLong());
                assertEquals(log.get(0).getFields().get("prev"), gap.id(), "the gap moves the position to just before what is retained");
                assertEquals(List.of("g-2:3", "g-1:4", "g-2:4", "g-1:5", "g-2:5"), order(events));
                assertEquals(log.get(4).getID().toString(), events.get(5).id());
            }
        }
    }

    @Test
    void anAdminMayFollowAnotherUserAndOthersMayNotAndABadCursorIsRefused() throws Exception {
        topology.write("adm-1", 1, "pod_running", "fay", false);
        try (SseClient admin = SseClient.to(URI.create("http://127.0.0.1:" + edge.port() + "/api/v1/events?user=fay"))
                .bearer(TOKENS.admin("root", Duration.ofMinutes(10))).retry(Duration.ofMillis(100)).start()) {
            assertEquals("adm-1", admin.await(1, WAIT).get(0).json().get("execution_id").asText());
        }
        ExecutionSetStreamBadRequestTest.Response refused = ExecutionSetStreamBadRequestTest.get(edge.port(),
                "/api/v1/events?user=fay&token=" + TOKENS.user("gus", Duration.ofMinutes(10)), null);
        assertEquals(403, refused.status());
        assertEquals("forbidden", refused.json().get("error").asText());
        ExecutionSetStreamBadRequestTest.Response bad = ExecutionSetStreamBadRequestTest.get(edge.port(),
                "/api/v1/events?token=" + TOKENS.user("gus", Duration.ofMinutes(10)), "12.3");
        assertEquals(400, bad.status());
        assertEquals("invalid_last_event_id", bad.json().get("error").asText());
    }

    @Test
    void aUserStreamCountsTowardsTheUsersLimitLikeAnyOther() throws Exception {
        EdgeSettings limited = settings("user-limit:", "SSE_MAX_CONNECTIONS_PER_USER", "1");
        try (EdgeApp app = EdgeApp.start(limited);
             SseClient first = SseClient.to(URI.create("http://127.0.0.1:" + app.port() + "/api/v1/events"))
                     .bearer(TOKENS.user("hal", Duration.ofMinutes(10))).once().start()) {
            assertTrue(first.awaitConnection(1, WAIT));
            try (SseClient second = SseClient.to(URI.create("http://127.0.0.1:" + app.port() + "/api/v1/events/notifications"))
                    .bearer(TOKENS.user("hal", Duration.ofMinutes(10))).once().start()) {
                SseEvent error = first.awaitEvent(e -> e.event().equals("error"), WAIT).orElseThrow();
                assertEquals("connection_limit", error.json().get("reason").asText());
                assertTrue(second.awaitConnection(1, WAIT), "the newer stream stays");
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
