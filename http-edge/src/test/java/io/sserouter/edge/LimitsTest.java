package io.sserouter.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sserouter.contract.Json;
import io.sserouter.testkit.Infra;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Per-user limits hold across two edge instances sharing one Redis. */
class LimitsTest {
    private static EdgeSettings settings(String prefix, String maxPerUser, String ratePerMinute) {
        return EdgeSettings.fromEnv(Map.of("REDIS_URL", Infra.redis().url(), "SSE_REDIS_PREFIX", prefix, "SSE_HTTP_PORT", "0",
                "SSE_JWT_SECRET", Tokens.SECRET, "SSE_HEARTBEAT_SECONDS", "1",
                "SSE_MAX_CONNECTIONS_PER_USER", maxPerUser, "SSE_CONNECT_RATE_PER_MINUTE", ratePerMinute));
    }

    private static SseTestClient open(EdgeApp edge, String token) {
        return open(edge, token, "lim");
    }

    private static SseTestClient open(EdgeApp edge, String token, String execution) {
        SseTestClient client = new SseTestClient(URI.create("http://127.0.0.1:" + edge.port() + "/api/v1/events/executions/" + execution + "?token=" + token), Map.of());
        client.await(1, Duration.ofSeconds(10));
        return client;
    }

    @Test
    void theUsersOldestStreamIsClosedWhenTheLimitIsPassedOnAnotherInstance() throws Exception {
        EdgeSettings settings = settings("lim-a:", "3", "1000");
        List<SseTestClient> clients = new ArrayList<>();
        try (EdgeApp a = EdgeApp.start(settings); EdgeApp b = EdgeApp.start(settings);
             FakeTopology topology = new FakeTopology(settings.redis().url(), settings.redis().keys(), 100)) {
            topology.writeAll("lim", 1, false);
            topology.write("lim-bob", 1, "pod_running", "bob", false);
            String alice = Tokens.user("alice");
            for (int i = 0; i < 3; i++) {
                clients.add(open(a, alice));
                Thread.sleep(20); // distinct opening times: "oldest" is well defined
            }
            SseTestClient bob = open(b, Tokens.user("bob"), "lim-bob");
            clients.add(bob);
            assertEquals(3, a.openStreams());

            clients.add(open(b, alice)); // the fourth of alice's, on the other instance
            SseTestClient oldest = clients.get(0);
            assertTrue(oldest.awaitEnd(Duration.ofSeconds(10)), "alice's oldest stream is closed");
            SseTestClient.Frame last = oldest.events().get(oldest.events().size() - 1);
            assertEquals("error", last.event());
            assertEquals("connection_limit", Json.read(last.data(), JsonNode.class).get("reason").asText());
            Thread.sleep(300);
            assertEquals(2, a.openStreams(), "alice's other streams stay");
            assertEquals(2, b.openStreams(), "bob's stream is not alice's limit");

            SseTestClient admin = open(a, Tokens.admin("alice")); // admins have a higher limit
            clients.add(admin);
            Thread.sleep(300);
            assertEquals(3, a.openStreams());
        } finally {
            clients.forEach(SseTestClient::close);
        }
    }

    @Test
    void connectionAttemptsBeyondTheRateGet429WithRetryAfterOnAnyInstance() throws Exception {
        EdgeSettings settings = settings("lim-b:", "100", "5");
        try (EdgeApp a = EdgeApp.start(settings); EdgeApp b = EdgeApp.start(settings)) {
            String carol = Tokens.user("carol");
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
}
