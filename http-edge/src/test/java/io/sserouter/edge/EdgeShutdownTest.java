package io.sserouter.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sserouter.contract.Json;
import io.sserouter.testkit.Infra;
import io.sserouter.testkit.Tokens;
import io.sserouter.testkit.sse.SseClient;
import io.sserouter.testkit.sse.SseEvent;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** SIGTERM's graceful path: not ready at once, streams told to move, new streams refused, the rest closed, bounded. */
class EdgeShutdownTest {
    private static final Tokens TOKENS = Tokens.hs256();
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Map<String, String> ALICE = Map.of("Authorization", "Bearer " + TOKENS.user("alice", Duration.ofHours(1)));
    private final List<SseClient> clients = new ArrayList<>();
    /** Each client's events and retry: fields, in the order they came. */
    private final Map<SseClient, List<String>> fields = new ConcurrentHashMap<>();
    private FakeTopology topology;

    @AfterEach
    void cleanUp() {
        clients.forEach(SseClient::close);
        if (topology != null) {
            topology.close();
        }
    }

    private EdgeApp start(String prefix, int graceSeconds) {
        EdgeSettings settings = EdgeSettings.fromEnv(Map.of("REDIS_URL", Infra.redis().url(), "SSE_REDIS_PREFIX", prefix,
                "SSE_HTTP_PORT", "0", "SSE_SHUTDOWN_GRACE_SECONDS", String.valueOf(graceSeconds), "SSE_JWT_SECRET", TOKENS.secret()));
        topology = new FakeTopology(settings.redis().url(), settings.redis().keys(), 100);
        return EdgeApp.start(settings);
    }

    /** A stream that stays after the shutdown event (so the test sees what follows it), without reconnecting. */
    private SseClient follow(EdgeApp edge, String execution) {
        List<String> seen = new CopyOnWriteArrayList<>();
        SseClient client = SseClient.to(URI.create("http://127.0.0.1:" + edge.port() + "/api/v1/events/executions/" + execution))
                .headers(ALICE).once().ignoreShutdown().listener(SseClient.Listener.recording(seen)).start();
        fields.put(client, seen);
        clients.add(client);
        return client;
    }

    private static HttpResponse<String> get(EdgeApp edge, String path, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + path));
        headers.forEach(request::header);
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static SseEvent awaitEvent(SseClient client, String event) throws InterruptedException {
        return client.awaitEvent(e -> event.equals(e.event()), WAIT)
                .orElseThrow(() -> new AssertionError("no " + event + " event; got " + client.events()));
    }

    /** The value of {@code sse_shutdown_deadline_timestamp_seconds}. */
    private static double deadline(EdgeApp edge) throws Exception {
        return get(edge, "/metrics", Map.of()).body().lines().filter(l -> l.startsWith("sse_shutdown_deadline_timestamp_seconds "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.indexOf(' ') + 1))).findFirst()
                .orElseThrow(() -> new AssertionError("no sse_shutdown_deadline_timestamp_seconds"));
    }

    @Test
    void drainingRefusesNewStreamsTellsOpenOnesToMoveKeepsRelayingThenClosesTheRest() throws Exception {
        EdgeApp edge = start("shut1:", 3);
        topology.writeAll("d1", 2, false);
        topology.writeAll("d2", 2, false);
        List<SseClient> open = List.of(follow(edge, "d1"), follow(edge, "d2"), follow(edge, "d1"));
        for (SseClient client : open) {
            assertEquals("status", client.await(1, WAIT).get(0).event());
        }
        assertEquals(200, get(edge, "/health/ready", Map.of()).statusCode());

        assertEquals(0.0, deadline(edge), "no drain deadline while serving");
        long signalledFrom = System.currentTimeMillis();
        long started = System.nanoTime();
        CompletableFuture<Void> stopped = CompletableFuture.runAsync(edge::shutdown);

        for (SseClient client : open) {
            SseEvent shutdown = awaitEvent(client, "shutdown");
            JsonNode data = Json.MAPPER.readTree(shutdown.data());
            assertEquals("draining", data.get("reason").asText());
            long delay = data.get("reconnect_after_ms").asLong();
            assertTrue(delay >= 0 && delay < 3_000, "reconnect delay within the grace period: " + delay);
            List<String> seen = fields.get(client);
            assertEquals("retry: " + delay, seen.get(seen.indexOf("event: shutdown") - 1), "a retry: hint of the same delay comes first");
        }
        HttpResponse<String> ready = get(edge, "/health/ready", Map.of());
        assertEquals(503, ready.statusCode());
        HttpResponse<String> refused = get(edge, "/api/v1/events/executions/d1", ALICE);
        assertEquals(503, refused.statusCode());
        assertEquals("draining", Json.MAPPER.readTree(refused.body()).get("error").asText());
        assertTrue(refused.headers().firstValue("Retry-After").isPresent());
        assertTrue(get(edge, "/metrics", Map.of()).body().contains("sse_shutdown_phase 1.0"));
        // the drain ends by the grace period (3 s) plus 5 s of closing after the signal
        double deadline = deadline(edge);
        assertTrue(deadline >= (signalledFrom + 8_000) / 1000.0 && deadline <= (System.currentTimeMillis() + 8_000) / 1000.0,
                "drain deadline " + deadline + " is 8 s after the signal at " + signalledFrom);

        topology.write("d1", 3, "pod_running", "alice", false);
        assertTrue(open.get(0).await(4, WAIT).stream().anyMatch(f -> "3".equals(f.id())), "still relaying while draining");

        stopped.get(20, java.util.concurrent.TimeUnit.SECONDS);
        long tookMillis = (System.nanoTime() - started) / 1_000_000;
        for (SseClient client : open) {
            assertTrue(client.awaitEnd(WAIT), "stream closed at the end of the grace period");
        }
        assertTrue(tookMillis >= 2_500, "clients that stay get the grace period: " + tookMillis + " ms");
    }

    @Test
    void clientsThatLeaveWhenToldLetTheDrainFinishBeforeTheGracePeriod() throws Exception {
        EdgeApp edge = start("shut2:", 30);
        topology.writeAll("q1", 1, false);
        List<SseClient> open = List.of(follow(edge, "q1"), follow(edge, "q1"));
        for (SseClient client : open) {
            client.await(1, WAIT);
        }

        long started = System.nanoTime();
        CompletableFuture<Void> stopped = CompletableFuture.runAsync(edge::shutdown);
        for (SseClient client : open) {
            awaitEvent(client, "shutdown");
            client.close(); // a well-behaved client moves on at once
        }
        stopped.get(20, java.util.concurrent.TimeUnit.SECONDS);
        long tookMillis = (System.nanoTime() - started) / 1_000_000;
        assertTrue(tookMillis < 15_000, "no waiting for streams that are gone: " + tookMillis + " ms");
        assertEquals(0, edge.openStreams());
    }
}
