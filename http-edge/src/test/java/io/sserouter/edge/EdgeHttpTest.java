package io.sserouter.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sserouter.contract.Json;
import io.sserouter.testkit.Infra;
import io.sserouter.testkit.Tokens;
import io.sserouter.testkit.sse.SseClient;
import io.sserouter.testkit.sse.SseClientBuilder;
import io.sserouter.testkit.sse.SseEvent;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The edge over real HTTP with a real Redis: wire format, resume, status, health, metrics and bad requests. */
class EdgeHttpTest {
    private static final Tokens TOKENS = Tokens.hs256();
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final io.sserouter.contract.RedisKeys KEYS = new io.sserouter.contract.RedisKeys("http:");
    private static EdgeApp edge;
    private static FakeTopology topology;
    private static String base;

    @BeforeAll
    static void start() {
        EdgeSettings settings = EdgeSettings.fromEnv(Map.of("REDIS_URL", Infra.redis().url(), "SSE_REDIS_PREFIX", "http:",
                "SSE_HTTP_PORT", "0", "SSE_HEARTBEAT_SECONDS", "1", "SSE_CLOSE_LINGER_MS", "200", "SSE_JWT_SECRET", TOKENS.secret()));
        edge = EdgeApp.start(settings);
        topology = new FakeTopology(settings.redis().url(), settings.redis().keys(), 100);
        base = "http://127.0.0.1:" + edge.port();
    }

    @AfterAll
    static void stop() {
        edge.close();
        topology.close();
    }

    private static final Map<String, String> ALICE = Map.of("Authorization", "Bearer " + TOKENS.user("alice", Duration.ofHours(1)));

    private static Map<String, String> alice(String lastEventId) {
        return Map.of("Authorization", "Bearer " + TOKENS.user("alice", Duration.ofHours(1)), "Last-Event-ID", lastEventId);
    }

    /** One EventSource connection to {@code path}, no reconnect: what one response carries. */
    private static SseClientBuilder stream(String path) {
        return SseClient.to(URI.create(base + path)).once();
    }

    static HttpResponse<String> get(String path, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path));
        headers.forEach(request::header);
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aStreamStartsWithRetryThenTheSnapshotThenLiveEventsAndHeartbeats() throws Exception {
        topology.writeAll("h1", 2, false);
        List<String> fields = new CopyOnWriteArrayList<>();
        try (SseClient client = stream("/api/v1/events/executions/h1").headers(ALICE).listener(SseClient.Listener.recording(fields)).start()) {
            assertTrue(client.awaitConnection(1, WAIT));
            assertEquals(List.of(200), client.statuses());
            assertTrue(client.header("Content-Type").orElse("").startsWith("text/event-stream"));
            assertEquals("no-cache", client.header("Cache-Control").orElse(""));
            assertEquals("no", client.header("X-Accel-Buffering").orElse(""));
            client.await(1, WAIT);
            topology.write("h1", 3, "pod_running", "alice", false);
            List<SseEvent> events = client.await(2, WAIT);
            assertEquals("retry: 3000", fields.get(0), "retry hint first");
            assertEquals(List.of("2", "status"), List.of(events.get(0).id(), events.get(0).event()));
            assertEquals(List.of("3", "pod_running", FakeTopology.envelope("h1", 3, "pod_running")),
                    List.of(events.get(1).id(), events.get(1).event(), events.get(1).data()));
            Thread.sleep(1_500);
            assertTrue(client.comments().contains("ping"), "heartbeat comment");
        }
    }

    @Test
    void resumingByHeaderOrQueryGetsExactlyTheMissedEvents() throws Exception {
        topology.writeAll("h2", 5, false);
        try (SseClient header = stream("/api/v1/events/executions/h2").headers(ALICE).lastEventId("2").start();
             SseClient query = stream("/api/v1/events/executions/h2?lastEventId=4&token=" + TOKENS.user("alice", Duration.ofHours(1))).start()) {
            assertEquals(List.of("3", "4", "5"), header.await(3, WAIT).stream().map(SseEvent::id).toList());
            assertEquals(List.of("5"), query.await(1, WAIT).stream().map(SseEvent::id).toList());
        }
    }

    @Test
    void aClosedExecutionsStreamEnds() throws Exception {
        topology.writeAll("h3", 4, true);
        try (SseClient client = stream("/api/v1/events/executions/h3").headers(ALICE).lastEventId("1").start()) {
            assertTrue(client.awaitEnd(WAIT), "the response ends");
            assertEquals(List.of("2", "3", "4"), client.events().stream().map(SseEvent::id).toList());
        }
    }

    /**
     * The frames go to the socket without Jetty's response writer, so their framing is the edge's own: HTTP/1.1 chunks
     * (even when the client asks to close the connection after the response), an HTTP/1.0 body ended by the close.
     */
    @Test
    void aStreamsBodyIsFramedForTheClientsHttpVersion() throws Exception {
        topology.writeAll("h30", 4, true);
        String expected = "retry: 3000\n\n" + LongStream.rangeClosed(2, 4)
                .mapToObj(seq -> "id: " + seq + "\nevent: " + (seq == 4 ? "result_stored" : "pod_running") + "\ndata: "
                        + FakeTopology.envelope("h30", seq, seq == 4 ? "result_stored" : "pod_running") + "\n\n")
                .collect(Collectors.joining());
        String request = " HTTP/1.1\r\nHost: edge\r\nAuthorization: Bearer " + TOKENS.user("alice", Duration.ofHours(1))
                + "\r\nLast-Event-ID: 1";
        RawHttp.Response http11 = RawHttp.send(edge.port(), "GET /api/v1/events/executions/h30" + request);
        assertEquals(200, http11.status());
        assertEquals("chunked", http11.header("Transfer-Encoding"));
        assertEquals(expected, http11.body());
        RawHttp.Response http10 = RawHttp.send(edge.port(), "GET /api/v1/events/executions/h30" + request.replace("HTTP/1.1", "HTTP/1.0"));
        assertEquals(200, http10.status());
        assertNull(http10.header("Transfer-Encoding"));
        assertEquals(expected, http10.body());
    }

    @Test
    void aStreamOpenedBeforeTheFirstEventGetsEveryEventFromSeqOne() throws Exception {
        try (SseClient client = stream("/api/v1/events/executions/h10").headers(ALICE).start()) {
            assertTrue(client.awaitConnection(1, WAIT)); // subscribed before the response starts
            assertEquals(List.of(200), client.statuses());
            topology.write("h10", 1, "execution_requested", "alice", false);
            topology.write("h10", 2, "execution_queued", "alice", false);
            List<SseEvent> events = client.await(2, WAIT);
            Thread.sleep(200);
            assertEquals(List.of("execution_requested", "execution_queued"), client.events().stream().map(SseEvent::event).toList());
            assertEquals(List.of("1", "execution_requested", FakeTopology.envelope("h10", 1, "execution_requested")),
                    List.of(events.get(0).id(), events.get(0).event(), events.get(0).data()));
        }
    }

    @Test
    void theEventLogAnswersTheRetainedEventsAfterNInOrder() throws Exception {
        topology.writeAll("h11", 5, false);
        HttpResponse<String> all = get("/api/v1/executions/h11/events", ALICE);
        assertEquals(200, all.statusCode());
        assertTrue(all.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        JsonNode body = Json.read(all.body(), JsonNode.class);
        assertEquals("h11", body.get("execution_id").asText());
        assertEquals(1, body.get("first_retained_seq").asLong());
        assertEquals(5, body.get("last_seq").asLong());
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), seqs(body));
        assertEquals(FakeTopology.envelope("h11", 3, "pod_running"), body.get("events").get(2).toString(), "each event is its envelope");

        assertEquals(List.of(4L, 5L), seqs(Json.read(get("/api/v1/executions/h11/events?after=3", ALICE).body(), JsonNode.class)));
        assertEquals(List.of(), seqs(Json.read(get("/api/v1/executions/h11/events?after=5", ALICE).body(), JsonNode.class)));

        for (int seq = 1; seq <= 150; seq++) {
            topology.write("h12", seq, "pod_running", "alice", false);
        }
        JsonNode trimmed = Json.read(get("/api/v1/executions/h12/events?after=10", ALICE).body(), JsonNode.class);
        assertEquals(51, trimmed.get("first_retained_seq").asLong(), "the log keeps the last 100");
        assertEquals(150, trimmed.get("last_seq").asLong());
        assertEquals(LongStream.rangeClosed(51, 150).boxed().toList(), seqs(trimmed));
    }

    @Test
    void theEventLogFollowsTheStatusRoutesRules() throws Exception {
        topology.writeAll("h13", 2, false);
        Map<String, String> expected = Map.of(
                "/api/v1/executions/h13/events?after=abc", "invalid_after",
                "/api/v1/executions/h13/events?after=-1", "invalid_after",
                "/api/v1/executions/h13/events?after=" + "9".repeat(30), "invalid_after",
                "/api/v1/executions/a$b/events", "invalid_execution_id",
                "/api/v1/executions/nobody/events", "not_found");
        for (Map.Entry<String, String> c : expected.entrySet()) {
            HttpResponse<String> response = get(c.getKey(), ALICE);
            assertEquals(c.getValue().equals("not_found") ? 404 : 400, response.statusCode(), c.getKey());
            assertEquals(c.getValue(), Json.read(response.body(), JsonNode.class).get("error").asText(), c.getKey());
        }
        HttpResponse<String> stranger = get("/api/v1/executions/h13/events", Map.of("Authorization", "Bearer " + TOKENS.user("bob", Duration.ofHours(1))));
        assertEquals(403, stranger.statusCode());
        assertEquals("forbidden", Json.read(stranger.body(), JsonNode.class).get("error").asText());
        assertEquals(401, get("/api/v1/executions/h13/events", Map.of()).statusCode());
        assertEquals(200, get("/api/v1/executions/h13/events", Map.of("Authorization", "Bearer " + TOKENS.admin("root", Duration.ofHours(1)))).statusCode());
    }

    private static List<Long> seqs(JsonNode eventLog) {
        List<Long> seqs = new java.util.ArrayList<>();
        eventLog.get("events").forEach(event -> seqs.add(event.get("seq").asLong()));
        return seqs;
    }

    @Test
    void statusAnswersTheSnapshotOr404() throws Exception {
        topology.writeAll("h4", 3, false);
        HttpResponse<String> known = get("/api/v1/executions/h4/status", ALICE);
        assertEquals(200, known.statusCode());
        assertEquals(3, Json.read(known.body(), JsonNode.class).get("last_seq").asLong());
        HttpResponse<String> unknown = get("/api/v1/executions/nobody/status", ALICE);
        assertEquals(404, unknown.statusCode());
        assertEquals("not_found", Json.read(unknown.body(), JsonNode.class).get("error").asText());
    }

    @Test
    void snapshotsSayHowOldTheyAreAndWhetherThePipelineIsAlive() throws Exception {
        String heartbeat = KEYS.pipelineHeartbeat();
        try (redis.clients.jedis.Jedis redis = new redis.clients.jedis.Jedis(URI.create(Infra.redis().url()))) {
            redis.del(heartbeat);
            topology.writeAll("h9", 1, false);
            String statusKey = KEYS.execStatus("h9");
            redis.set(statusKey, Json.read(redis.get(statusKey), com.fasterxml.jackson.databind.node.ObjectNode.class)
                    .put("updated_at", java.time.Instant.now().minusSeconds(600).toString()).toString());
            JsonNode stalled = awaitPipeline("h9", false);
            assertTrue(stalled.get("age_seconds").asLong() >= 600, "a quiet execution's snapshot is old: " + stalled);
            assertTrue(stalled.at("/pipeline/heartbeat_age_seconds").isNull(), "no topology has ever reported: " + stalled);

            redis.set(heartbeat, String.valueOf(System.currentTimeMillis()));
            JsonNode alive = awaitPipeline("h9", true);
            assertTrue(alive.at("/pipeline/heartbeat_age_seconds").asLong() < 10);

            redis.set(heartbeat, String.valueOf(System.currentTimeMillis() - 120_000));
            assertTrue(awaitPipeline("h9", false).at("/pipeline/heartbeat_age_seconds").asLong() >= 120, "a stopped pipeline shows");
            try (SseClient client = stream("/api/v1/events/executions/h9").headers(ALICE).start()) {
                JsonNode status = Json.read(client.await(1, WAIT).get(0).data(), JsonNode.class);
                assertTrue(status.at("/pipeline/stalled").asBoolean(), "the status event says the same: " + status);
            }
        }
    }

    /** The status route's answer once the edge's view of the pipeline heartbeat says {@code alive}. */
    private static JsonNode awaitPipeline(String execution, boolean alive) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        JsonNode body;
        do {
            body = Json.read(get("/api/v1/executions/" + execution + "/status", ALICE).body(), JsonNode.class);
            if (body.at("/pipeline/stalled").asBoolean() != alive) {
                return body;
            }
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("pipeline never " + (alive ? "alive" : "stalled") + ": " + body);
    }

    @Test
    void aUserListsTheirMostRecentlyActiveExecutionsNewestFirst() throws Exception {
        Map<String, String> lister = Map.of("Authorization", "Bearer " + TOKENS.user("lister", Duration.ofHours(1)));
        topology.write("ls1", 1, "execution_requested", "lister", false);
        Thread.sleep(5);
        topology.write("ls2", 1, "execution_requested", "lister", false);
        Thread.sleep(5);
        topology.write("ls3", 1, "execution_requested", "other", false);
        Thread.sleep(5);
        topology.write("ls1", 2, "execution_queued", "lister", false); // ls1 is the most recently active now

        JsonNode mine = Json.read(get("/api/v1/executions", lister).body(), JsonNode.class);
        assertEquals("lister", mine.get("user").asText());
        assertEquals(List.of("ls1", "ls2"), mine.get("executions").findValuesAsText("execution_id"));
        assertEquals(2, mine.get("executions").get(0).get("last_seq").asLong(), "each entry is the current snapshot");
        assertTrue(mine.get("executions").get(0).has("pipeline"));
        assertEquals(List.of("ls1"), Json.read(get("/api/v1/executions?limit=1", lister).body(), JsonNode.class)
                .get("executions").findValuesAsText("execution_id"));

        HttpResponse<String> stranger = get("/api/v1/executions?user=other", lister);
        assertEquals(403, stranger.statusCode());
        assertEquals("forbidden", Json.read(stranger.body(), JsonNode.class).get("error").asText());
        JsonNode asAdmin = Json.read(get("/api/v1/executions?user=other", Map.of("Authorization", "Bearer " + TOKENS.admin("root", Duration.ofHours(1)))).body(), JsonNode.class);
        assertEquals(List.of("ls3"), asAdmin.get("executions").findValuesAsText("execution_id"));
        for (String bad : List.of("?limit=0", "?limit=101", "?limit=abc", "?user=a%20b")) {
            HttpResponse<String> response = get("/api/v1/executions" + bad, lister);
            assertEquals(400, response.statusCode(), bad);
            assertTrue(Json.read(response.body(), JsonNode.class).get("error").asText().startsWith("invalid_"), bad + ": " + response.body());
        }
        assertEquals(401, get("/api/v1/executions", Map.of()).statusCode());

        try (redis.clients.jedis.Jedis redis = new redis.clients.jedis.Jedis(URI.create(Infra.redis().url()))) {
            redis.del(KEYS.execStatus("ls2"));
        }
        assertEquals(List.of("ls1"), Json.read(get("/api/v1/executions", lister).body(), JsonNode.class)
                .get("executions").findValuesAsText("execution_id"), "an expired execution is left out");
    }

    @Test
    void closedStreamsLeaveNoTimersBehind() throws Exception {
        int before = edge.queuedTimers();
        List<SseClient> clients = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            topology.writeAll("done" + i, 2, true); // finished: each stream ends by itself after the linger
            clients.add(stream("/api/v1/events/executions/done" + i).headers(ALICE).start());
        }
        for (SseClient client : clients) {
            assertTrue(client.awaitEnd(WAIT));
            client.close();
        }
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (edge.openStreams() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        Thread.sleep(100);
        // each stream had a token-expiry timer (hours away); a cancelled one must not stay queued holding the stream
        assertTrue(edge.queuedTimers() <= before + 2, "timers queued: " + before + " before, " + edge.queuedTimers() + " after");
    }

    @Test
    void badRequestsGetA4xxWithAJsonReason() throws Exception {
        Map<String, String> cases = Map.of(
                "/api/v1/events/executions/bad%20id", "invalid_execution_id",
                "/api/v1/events/executions/" + "x".repeat(129), "invalid_execution_id",
                "/api/v1/events/executions/ok?lastEventId=abc", "invalid_last_event_id",
                "/api/v1/events/executions/ok?lastEventId=-1", "invalid_last_event_id",
                "/api/v1/events/executions/ok?lastEventId=" + "9".repeat(30), "invalid_last_event_id",
                "/api/v1/executions/a$b/status", "invalid_execution_id",
                "/no/such/route", "not_found");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            HttpResponse<String> response = get(c.getKey(), Map.of("Accept", "text/event-stream"));
            assertTrue(response.statusCode() >= 400 && response.statusCode() < 500, c.getKey() + " -> " + response.statusCode());
            assertEquals(c.getValue(), Json.read(response.body(), JsonNode.class).get("error").asText(), c.getKey());
            assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), c.getKey());
        }
        HttpResponse<String> badHeader = get("/api/v1/events/executions/ok", alice("1e5"));
        assertEquals(400, badHeader.statusCode());
    }

    @Test
    void streamPathsAreMatchedAsEveryOtherRouteIs() throws Exception {
        topology.writeAll("h6", 1, false);
        // one trailing slash is ignored, and a percent-encoded id is decoded, on the stream routes as on the others
        for (String path : List.of("/api/v1/events/executions/h6/", "/api/v1/events/executions/h%36", "/api/v1/events/notifications/")) {
            try (SseClient client = stream(path).headers(ALICE).start()) {
                assertTrue(client.awaitConnection(1, WAIT), path);
                assertEquals(List.of(200), client.statuses(), path);
                assertTrue(client.header("Content-Type").orElse("").startsWith("text/event-stream"), path);
            }
        }
        HttpResponse<String> deeper = get("/api/v1/events/executions/h6/more", ALICE);
        assertEquals(404, deeper.statusCode());
        assertEquals("not_found", Json.read(deeper.body(), JsonNode.class).get("error").asText());
        HttpResponse<String> post = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/api/v1/events"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode(), "another method on a stream path");
        assertEquals("method_not_allowed", Json.read(post.body(), JsonNode.class).get("error").asText());
    }

    @Test
    void notificationsBringTheLatestBroadcastsThenTheUsersOwnLiveMessages() throws Exception {
        try (redis.clients.jedis.Jedis redis = new redis.clients.jedis.Jedis(URI.create(Infra.redis().url()))) {
            redis.hset(KEYS.broadcastLatest(), "version", "{\"event_type\":\"version\",\"data\":{\"version\":\"1.2\"}}");
            try (SseClient alice = stream("/api/v1/events/notifications?token=" + TOKENS.user("alice", Duration.ofHours(1))).start()) {
                List<SseEvent> first = alice.await(1, WAIT);
                assertEquals("version", first.get(0).event());
                redis.publish(KEYS.notifications("bob"), "{\"user_id\":\"bob\",\"event_type\":\"quota\"}");
                redis.publish(KEYS.notifications("alice"), "{\"user_id\":\"alice\",\"event_type\":\"quota\",\"data\":{\"used\":90}}");
                redis.publish(KEYS.broadcast(), "{\"event_type\":\"maintenance\",\"data\":{}}");
                List<SseEvent> events = alice.await(3, WAIT);
                Thread.sleep(200);
                assertEquals(List.of("version", "quota", "maintenance"), alice.events().stream().map(SseEvent::event).toList());
                assertEquals("alice", Json.read(events.get(1).data(), JsonNode.class).get("user_id").asText(), "only the token's own user");
            }
        }
        assertEquals(401, get("/api/v1/events/notifications", Map.of()).statusCode());
    }

    @Test
    void healthAndMetrics() throws Exception {
        assertEquals(200, get("/health/live", Map.of()).statusCode());
        assertEquals(200, get("/health/ready", Map.of()).statusCode());
        topology.writeAll("h5", 1, false);
        try (SseClient client = stream("/api/v1/events/executions/h5").headers(ALICE).start()) {
            client.await(1, WAIT);
            System.gc(); // gauges must survive a collection
            String metrics = get("/metrics", Map.of()).body();
            assertTrue(metrics.lines().anyMatch(l -> l.startsWith("sse_connections_active ") && Double.parseDouble(l.substring(23)) >= 1),
                    "one stream open: " + metrics.lines().filter(l -> l.startsWith("sse_conn")).toList());
            assertTrue(metrics.lines().anyMatch(l -> l.startsWith("sse_pipeline_heartbeat_age_seconds ") && !l.endsWith("NaN")), metrics);
            assertTrue(metrics.contains("sse_messages_sent_total"), metrics);
        }
    }
}
