package io.sserouter.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sserouter.config.ConfigException;
import io.sserouter.edge.http.CorsRules;
import io.sserouter.testkit.Infra;
import io.sserouter.testkit.Tokens;
import io.sserouter.testkit.sse.SseClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Cross-origin requests over real HTTP: allowed origins get CORS headers (preflight included), others exactly what no Origin gets. */
class CorsTest {
    private static final Tokens TOKENS = Tokens.hs256();
    private static final String APP = "https://app.example.com";
    private static final String STATUS = "/api/v1/executions/cors-owned/status";
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static EdgeApp withCors;
    private static EdgeApp withoutCors;
    private static FakeTopology topology;

    @BeforeAll
    static void start() {
        withCors = EdgeApp.start(settings(Map.of("SSE_CORS_ALLOWED_ORIGINS", APP + ", http://localhost:3000")));
        EdgeSettings plain = settings(Map.of());
        withoutCors = EdgeApp.start(plain);
        topology = new FakeTopology(plain.redis().url(), plain.redis().keys(), 100);
        topology.writeAll("cors-owned", 1, false);
    }

    @AfterAll
    static void stop() {
        withCors.close();
        withoutCors.close();
        topology.close();
    }

    private static EdgeSettings settings(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(Map.of("REDIS_URL", Infra.redis().url(), "SSE_REDIS_PREFIX", "cors:", "SSE_HTTP_PORT", "0",
                "SSE_JWT_SECRET", TOKENS.secret()));
        env.putAll(extra);
        return EdgeSettings.fromEnv(env);
    }

    private static HttpResponse<String> send(EdgeApp edge, String method, String path, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10));
        headers.forEach(request::header);
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> preflight(EdgeApp edge, String origin) throws Exception {
        return send(edge, "OPTIONS", "/api/v1/events/executions/cors-owned", Map.of("Origin", origin,
                "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "authorization,last-event-id"));
    }

    private static List<String> corsHeaders(HttpHeaders headers) {
        return headers.map().keySet().stream().filter(name -> name.toLowerCase().startsWith("access-control-")).toList();
    }

    @Test
    void anAllowedOriginsPreflightIsAnsweredWithGetAndTheClientsHeadersWithoutCredentials() throws Exception {
        for (String origin : List.of(APP, "http://localhost:3000")) {
            HttpResponse<String> response = preflight(withCors, origin);
            assertEquals(204, response.statusCode());
            HttpHeaders headers = response.headers();
            assertEquals(origin, headers.firstValue("Access-Control-Allow-Origin").orElse(""));
            assertEquals("GET", headers.firstValue("Access-Control-Allow-Methods").orElse(""));
            assertEquals(CorsRules.ALLOWED_HEADERS, headers.firstValue("Access-Control-Allow-Headers").orElse(""));
            assertTrue(headers.allValues("Vary").contains("Origin"));
            assertFalse(headers.firstValue("Access-Control-Allow-Credentials").isPresent(), "credentials are never allowed");
        }
    }

    @Test
    void anAllowedOriginCanReadAnswersErrorsAndStreams() throws Exception {
        Map<String, String> alice = Map.of("Origin", APP, "Authorization", "Bearer " + TOKENS.user("alice", Duration.ofHours(1)));
        HttpResponse<String> ok = send(withCors, "GET", STATUS, alice);
        assertEquals(200, ok.statusCode());
        assertEquals(APP, ok.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
        HttpResponse<String> unauthorized = send(withCors, "GET", STATUS, Map.of("Origin", APP));
        assertEquals(401, unauthorized.statusCode());
        assertEquals(APP, unauthorized.headers().firstValue("Access-Control-Allow-Origin").orElse(""), "the page can read why");
        assertEquals("Retry-After", unauthorized.headers().firstValue("Access-Control-Expose-Headers").orElse(""));
        try (SseClient stream = SseClient.to(URI.create("http://127.0.0.1:" + withCors.port() + "/api/v1/events/executions/cors-owned"))
                .headers(alice).once().start()) {
            assertTrue(stream.awaitConnection(1, Duration.ofSeconds(10)));
            assertEquals(APP, stream.header("Access-Control-Allow-Origin").orElse(""));
            String vary = stream.header("Vary").orElse("");
            assertTrue(vary.contains("Origin") && vary.contains("Accept-Encoding"), "both reasons to vary are kept: " + vary);
            assertEquals("status", stream.await(1, Duration.ofSeconds(10)).get(0).event());
        }
    }

    @Test
    void otherOriginsGetNoCorsHeaderAndTheSameAnswerAsWithoutOrigin() throws Exception {
        HttpResponse<String> noOrigin = send(withCors, "OPTIONS", "/api/v1/events/executions/cors-owned", Map.of("Access-Control-Request-Method", "GET"));
        for (String origin : List.of("https://evil.example.com", "https://app.example.com.evil.com", "http://app.example.com", "HTTPS://APP.EXAMPLE.COM", "null")) {
            HttpResponse<String> refused = preflight(withCors, origin);
            assertEquals(List.of(), corsHeaders(refused.headers()), origin);
            assertEquals(noOrigin.statusCode(), refused.statusCode(), origin);
            assertEquals(noOrigin.body(), refused.body(), origin);
            HttpResponse<String> get = send(withCors, "GET", STATUS, Map.of("Origin", origin, "Authorization", "Bearer " + TOKENS.user("alice", Duration.ofHours(1))));
            assertEquals(200, get.statusCode(), "served as usual: CORS is the browser's check, not an access control");
            assertEquals(List.of(), corsHeaders(get.headers()), origin);
        }
        assertEquals(405, noOrigin.statusCode());
    }

    @Test
    void withoutConfiguredOriginsThereIsNoCorsAtAll() throws Exception {
        HttpResponse<String> response = preflight(withoutCors, APP);
        assertEquals(405, response.statusCode());
        assertEquals(List.of(), corsHeaders(response.headers()));
        assertFalse(response.headers().firstValue("Vary").isPresent());
        HttpResponse<String> get = send(withoutCors, "GET", STATUS, Map.of("Origin", APP, "Authorization", "Bearer " + TOKENS.user("alice", Duration.ofHours(1))));
        assertEquals(200, get.statusCode());
        assertEquals(List.of(), corsHeaders(get.headers()));
    }

    @Test
    void originsThatAreNotExactAreRefusedAtStart() {
        for (String bad : List.of("*", "https://app.example.com/", "app.example.com", "https://*.example.com", "https://App.example.com", "null")) {
            ConfigException e = assertThrows(ConfigException.class, () -> settings(Map.of("SSE_CORS_ALLOWED_ORIGINS", bad)), bad);
            assertTrue(e.getMessage().contains("SSE_CORS_ALLOWED_ORIGINS must list exact origins"), e.getMessage());
        }
    }
}
