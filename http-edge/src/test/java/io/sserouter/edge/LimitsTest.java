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
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/** Per-user limits hold across two edge instances sharing one Redis. */
class LimitsTest {
    private static final Tokens TOKENS = Tokens.hs256();
    private static EdgeSettings settings(String prefix, String maxPerUser, String ratePerMinute) {
        return EdgeSettings.fromEnv(Map.of("REDIS_URL", Infra.redis().url(), "SSE_REDIS_PREFIX", prefix, "SSE_HTTP_PORT", "0",
                "SSE_JWT_SECRET", TOKENS.secret(), "SSE_HEARTBEAT_SECONDS", "1",
                "SSE_MAX_CONNECTIONS_PER_USER", maxPerUser, "SSE_CONNECT_RATE_PER_MINUTE", ratePerMinute));
    }

    private static SseClient open(EdgeApp edge, String token) throws InterruptedException {
        return open(edge, token, "lim");
    }

    private static SseClient open(EdgeApp edge, String token, String execution) throws InterruptedException {
        SseClient client = SseClient.to(URI.create("http://127.0.0.1:" + edge.port() + "/api/v1/events/executions/" + execution + "?token=" + token))
                .once().start();
        client.await(1, Duration.ofSeconds(10));
        return client;
    }

    @Test
    void theUsersOldestStreamIsClosedWhenTheLimitIsPassedOnAnotherInstance() throws Exception {
        EdgeSettings settings = settings("lim-a:", "3", "1000");
        List<SseClient> clients = new ArrayList<>();
        try (EdgeApp a = EdgeApp.start(settings); EdgeApp b = EdgeApp.start(settings);
             FakeTopology topology = new FakeTopology(settings.redis().url(), settings.redis().keys(), 100)) {
            topology.writeAll("lim", 1, false);
            topology.write("lim-bob", 1, "pod_running", "bob", false);
            String alice = TOKENS.user("alice", Duration.ofHours(1));
            for (int i = 0; i < 3; i++) {
                clients.add(open(a, alice));
                Thread.sleep(20); // distinct opening times: "oldest" is well defined
            }
            SseClient bob = open(b, TOKENS.user("bob", Duration.ofHours(1)), "lim-bob");
            clients.add(bob);
            assertEquals(3, a.openStreams());

            clients.add(open(b, alice)); // the fourth of alice's, on the other instance
            SseClient oldest = clients.get(0);
            assertTrue(oldest.awaitEnd(Duration.ofSeconds(10)), "alice's oldest stream is closed");
            SseEvent last = oldest.events().get(oldest.events().size() - 1);
            assertEquals("error", last.event());
            assertEquals("connection_limit", Json.read(last.data(), JsonNode.class).get("reason").asText());
            Thread.sleep(300);
            assertEquals(2, a.openStreams(), "alice's other streams stay");
            assertEquals(2, b.openStreams(), "bob's stream is not alice's limit");

            SseClient admin = open(a, TOKENS.admin("alice", Duration.ofHours(1))); // admins have a higher limit
            clients.add(admin);
            Thread.sleep(300);
            assertEquals(3, a.openStreams());
        } finally {
            clients.forEach(SseClient::close);
        }
    }

    @Test
    void connectionAttemptsBeyondTheRateGet429WithRetryAfterOnAnyInstance() throws Exception {
        EdgeSettings settings = settings("lim-b:", "100", "5");
        try (EdgeApp a = EdgeApp.start(settings); EdgeApp b = EdgeApp.start(settings)) {
            String carol = TOKENS.user("carol", Duration.ofHours(1));
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<java.io.InputStream> limited = null;
            int admitted = 0;
            for (int i = 0; i < 11 && limited == null; i++) { // at most two minutes' worth, if the test straddles a minute
                EdgeApp edge = i % 2 == 0 ? a : b;
                HttpResponse<java.io.InputStream> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port()
                                + "/api/v1/events/executions/nothing-yet?token=" + carol)).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                if (response.statusCode() == 429) {
                    limited = response;
                } else {
                    admitted++;
                    response.body().close(); // an open stream, waiting for the execution: hang up
                }
            }
            assertTrue(limited != null, "the rate limit was reached");
            assertTrue(admitted >= 5, "five attempts a minute are admitted, counted across both instances: " + admitted);
            long retryAfter = Long.parseLong(limited.headers().firstValue("Retry-After").orElse("0"));
            assertTrue(retryAfter >= 1 && retryAfter <= 60, "Retry-After " + retryAfter);
            assertEquals("rate_limited", Json.read(limited.body().readAllBytes(), JsonNode.class).get("error").asText());
        }
    }

    @Test
    void aStreamWhoseSlotCannotBeTakenIsNotCountedAsOpen() throws Exception {
        EdgeSettings settings = settings("lim-c:", "3", "1000");
        try (EdgeApp edge = EdgeApp.start(settings); Jedis redis = new Jedis(URI.create(Infra.redis().url()))) {
            // a key of the wrong type makes the slot script fail while the rest of Redis answers
            redis.set(settings.redis().keys().streamSlots("dave"), "not-a-slot-set");
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port()
                    + "/api/v1/events/executions/slot-x?token=" + TOKENS.user("dave", Duration.ofHours(1)))).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertTrue(response.statusCode() >= 500, "the stream is refused: " + response.statusCode());
            long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (edge.openStreams() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(0, edge.openStreams(), "no stream is left registered");
            String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(metrics.contains("sse_connections_active 0.0"), "the gauge counts no stream");
        }
    }

    @Test
    void aConnectionCounterLeftWithoutExpiryGetsOneOnTheNextAttempt() throws Exception {
        EdgeSettings settings = settings("lim-d:", "100", "1000");
        try (EdgeApp edge = EdgeApp.start(settings); Jedis redis = new Jedis(URI.create(Infra.redis().url()))) {
            if (System.currentTimeMillis() % 60_000 > 55_000) {
                Thread.sleep(60_000 - System.currentTimeMillis() % 60_000 + 100); // one attempt, one minute's counter
            }
            String counter = settings.redis().keys().connectRate("erin", System.currentTimeMillis() / 60_000);
            redis.set(counter, "3"); // what a count whose expiry was never set leaves behind
            HttpResponse<java.io.InputStream> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + edge.port() + "/api/v1/events/executions/nothing-yet?token=" + TOKENS.user("erin", Duration.ofHours(1)))).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, response.statusCode());
            response.body().close();
            assertEquals("4", redis.get(counter), "the attempt was counted");
            long ttl = redis.pttl(counter);
            assertTrue(ttl > 0 && ttl <= 61_000, "the counter expires: pttl " + ttl);
        }
    }
}
