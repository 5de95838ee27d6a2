package io.sserouter.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.PlainJWT;
import io.sserouter.contract.Json;
import io.sserouter.testkit.Infra;
import io.sserouter.testkit.Tokens;
import io.sserouter.testkit.sse.SseClient;
import io.sserouter.testkit.sse.SseEvent;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every way a token can be wrong gets 401 and a JSON reason, nothing streamed; ownership for owner, stranger, admin. */
class AuthTest {
    /** HS256 with a secret long enough to sign the HS512 tokens that must be refused. */
    private static final Tokens TOKENS = Tokens.hs256("hs256-secret-of-sixty-four-bytes-so-that-hs512-tokens-can-be-made");
    private static EdgeApp edge;
    private static FakeTopology topology;
    private static String base;

    @BeforeAll
    static void start() {
        EdgeSettings settings = EdgeSettings.fromEnv(Map.of("REDIS_URL", Infra.redis().url(), "SSE_REDIS_PREFIX", "auth:",
                "SSE_HTTP_PORT", "0", "SSE_JWT_SECRET", TOKENS.secret(), "SSE_FIRST_EVENT_WAIT_SECONDS", "5"));
        edge = EdgeApp.start(settings);
        topology = new FakeTopology(settings.redis().url(), settings.redis().keys(), 100);
        base = "http://127.0.0.1:" + edge.port();
        topology.writeAll("mine", 2, false);
    }

    @AfterAll
    static void stop() {
        edge.close();
        topology.close();
    }

    private static HttpResponse<String> get(String path, String token) throws Exception {
        java.net.http.HttpRequest.Builder request = java.net.http.HttpRequest.newBuilder(URI.create(base + path))
                .header("Accept", "text/event-stream").timeout(Duration.ofSeconds(5));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return java.net.http.HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void everyBadTokenIsRefusedWith401AndAReason() throws Exception {
        Instant later = Instant.now().plusSeconds(3600);
        String rs256 = Tokens.rs256(new RSAKeyGenerator(2048).generate()).sign(Tokens.claims("alice", later).build());
        String good = TOKENS.user("alice", Duration.ofHours(1));
        String[] parts = good.split("\\.");
        String tamperedClaims = Base64.getUrlEncoder().withoutPadding().encodeToString(
                Tokens.claims("admin", later).claim("roles", List.of("admin")).build().toString().getBytes());

        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("no token", null);
        cases.put("alg none", new PlainJWT(Tokens.claims("alice", later).build()).serialize());
        cases.put("HS512 instead of HS256", Tokens.sign(Tokens.claims("alice", later).build(), JWSAlgorithm.HS512, TOKENS.secret()));
        cases.put("RS256 instead of HS256", rs256);
        cases.put("wrong secret", Tokens.sign(Tokens.claims("alice", later).build(), JWSAlgorithm.HS256, "another-secret-that-is-also-long-enough-32b"));
        cases.put("tampered claims", parts[0] + "." + tamperedClaims + "." + parts[2]);
        cases.put("expired", TOKENS.sign(Tokens.claims("alice", Instant.now().minusSeconds(60)).build()));
        cases.put("not yet valid", TOKENS.sign(Tokens.claims("alice", later).notBeforeTime(Date.from(Instant.now().plusSeconds(600))).build()));
        cases.put("no exp", TOKENS.sign(Tokens.claims("alice", null).build()));
        cases.put("no sub", TOKENS.sign(Tokens.claims(null, later).build()));
        cases.put("malformed", "not.a.jwt");
        cases.put("garbage", "%%%");

        Map<String, String> expected = Map.of("no token", "missing_token", "expired", "token_expired",
                "not yet valid", "token_not_yet_valid", "malformed", "malformed_token", "garbage", "malformed_token");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            for (String path : List.of("/api/v1/events/executions/mine", "/api/v1/executions/mine/status")) {
                HttpResponse<String> response = get(path, c.getValue());
                assertEquals(401, response.statusCode(), c.getKey() + " on " + path);
                JsonNode body = Json.read(response.body(), JsonNode.class);
                assertEquals(expected.getOrDefault(c.getKey(), "invalid_token"), body.get("error").asText(), c.getKey());
                assertFalse(response.body().contains("retry:"), "nothing streamed for " + c.getKey());
                if (c.getValue() != null && c.getValue().length() > 20) {
                    assertFalse(response.body().contains(c.getValue()), "the token is not echoed");
                }
            }
        }
    }

    @Test
    void ownersAndAdminsReadAndStrangersGet403() throws Exception {
        assertEquals(200, get("/api/v1/executions/mine/status", TOKENS.user("alice", Duration.ofHours(1))).statusCode());
        assertEquals(200, get("/api/v1/executions/mine/status", TOKENS.admin("root", Duration.ofHours(1))).statusCode());
        HttpResponse<String> stranger = get("/api/v1/executions/mine/status", TOKENS.user("mallory", Duration.ofHours(1)));
        assertEquals(403, stranger.statusCode());
        assertEquals("forbidden", Json.read(stranger.body(), JsonNode.class).get("error").asText());
        assertEquals(403, get("/api/v1/events/executions/mine", TOKENS.user("mallory", Duration.ofHours(1))).statusCode());
        try (SseClient admin = SseClient.to(URI.create(base + "/api/v1/events/executions/mine?token=" + TOKENS.admin("root", Duration.ofHours(1)))).once().start()) {
            assertEquals("status", admin.await(1, Duration.ofSeconds(5)).get(0).event());
        }
    }

    @Test
    void aStrangerWaitingForAnExecutionWhoseOwnerIsNotKnownYetGetsNothingThenForbidden() throws Exception {
        try (SseClient stranger = SseClient.to(URI.create(base + "/api/v1/events/executions/pending"))
                .bearer(TOKENS.user("mallory", Duration.ofHours(1))).once().start()) {
            assertTrue(stranger.awaitConnection(1, Duration.ofSeconds(5)));
            assertEquals(List.of(200), stranger.statuses());
            Thread.sleep(300);
            topology.write("pending", 1, "execution_requested", "alice", false);
            List<SseEvent> events = stranger.await(1, Duration.ofSeconds(5));
            assertEquals(List.of("error"), events.stream().map(SseEvent::event).toList());
            assertEquals("forbidden", Json.read(events.get(0).data(), JsonNode.class).get("reason").asText());
            assertTrue(stranger.awaitEnd(Duration.ofSeconds(5)));
        }
    }

    @Test
    void aStreamEndsWithTokenExpiredWhenItsTokenExpires() throws Exception {
        String shortLived = TOKENS.sign(Tokens.claims("alice", Instant.now().plusSeconds(2)).build());
        try (SseClient client = SseClient.to(URI.create(base + "/api/v1/events/executions/mine?token=" + shortLived)).once().start()) {
            assertTrue(client.awaitEnd(Duration.ofSeconds(10)));
            List<SseEvent> events = client.events();
            assertEquals("error", events.get(events.size() - 1).event());
            assertEquals("token_expired", Json.read(events.get(events.size() - 1).data(), JsonNode.class).get("reason").asText());
        }
    }

    @Test
    void aShortSecretIsRefusedAtStart() {
        io.sserouter.config.ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(io.sserouter.config.ConfigException.class,
                () -> EdgeSettings.fromEnv(Map.of("SSE_JWT_SECRET", "short")));
        assertTrue(e.getMessage().contains("SSE_JWT_SECRET must be at least 32 bytes"), e.getMessage());
        assertTrue(org.junit.jupiter.api.Assertions.assertThrows(io.sserouter.config.ConfigException.class,
                () -> EdgeSettings.fromEnv(Map.of())).getMessage().contains("SSE_JWT_SECRET is required"));
    }
}
