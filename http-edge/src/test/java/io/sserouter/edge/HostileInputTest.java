package io.sserouter.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.PlainJWT;
import io.sserouter.contract.Json;
import io.sserouter.testkit.Infra;
import io.sserouter.testkit.Tokens;
import io.sserouter.testkit.sse.SseClient;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Malformed and hostile requests over raw sockets (for what an HTTP client refuses to send): each gets a 4xx with a
 * JSON reason, never a 5xx, a stack trace or an HTML page, and the edge keeps serving well-behaved clients.
 */
class HostileInputTest {
    /** HS256 with a secret long enough to sign the HS512 tokens that must be refused. */
    private static final Tokens TOKENS = Tokens.hs256("hs256-secret-of-sixty-four-bytes-so-that-hs512-tokens-can-be-made");
    private static final String EVENTS = "/api/v1/events/executions/";
    private static final String STATUS = "/api/v1/executions/hostile-owned/status";
    private static EdgeApp edge;
    private static FakeTopology topology;

    @BeforeAll
    static void start() {
        EdgeSettings settings = EdgeSettings.fromEnv(Map.of("REDIS_URL", Infra.redis().url(), "SSE_REDIS_PREFIX", "hostile:",
                "SSE_HTTP_PORT", "0", "SSE_JWT_SECRET", TOKENS.secret(), "SSE_CORS_ALLOWED_ORIGINS", "https://app.example.com"));
        edge = EdgeApp.start(settings);
        topology = new FakeTopology(settings.redis().url(), settings.redis().keys(), 100);
        topology.writeAll("hostile-owned", 2, false);
    }

    @AfterAll
    static void stop() {
        edge.close();
        topology.close();
    }

    private static String get(String target, String... headers) {
        return "GET " + target + " HTTP/1.1\r\nHost: edge" + (headers.length == 0 ? "" : "\r\n" + String.join("\r\n", headers));
    }

    private static String bearer(String token) {
        return "Authorization: Bearer " + token;
    }

    /** Asserts the one error shape and returns its code. */
    private static String assertJsonError(String what, RawHttp.Response response) {
        assertTrue(response.status() >= 400 && response.status() < 500, what + " -> " + response.status() + " " + response.body());
        assertTrue(String.valueOf(response.header("Content-Type")).startsWith("application/json"), what + " -> " + response.headers());
        String body = response.body();
        assertFalse(body.contains("Exception") || body.contains("\tat ") || body.contains("at org.") || body.contains("at io.")
                || body.toLowerCase().contains("<html") || body.toLowerCase().contains("jetty"), what + " -> " + body);
        JsonNode json = Json.read(body, JsonNode.class);
        assertTrue(json.path("error").isTextual() && !json.path("error").asText().isEmpty(), what + " -> " + body);
        assertTrue(json.path("message").isTextual(), what + " -> " + body);
        return json.get("error").asText();
    }

    @Test
    void eachKindOfBadInputGetsItsOwnCode() throws Exception {
        String alice = bearer(TOKENS.user("alice", Duration.ofHours(1)));
        Map<String, String> cases = new LinkedHashMap<>(); // request -> status and code
        cases.put(get(STATUS, "X-Big: " + "a".repeat(9_000)), "431 headers_too_large");
        cases.put(get(STATUS + "?q=" + "a".repeat(9_000)), "414 uri_too_long");
        cases.put(get(STATUS + "?q=" + "a".repeat(5_000)), "414 query_too_long");
        cases.put(get(EVENTS + "%zz"), "400 bad_request");
        cases.put(get(EVENTS + "a%00b"), "400 bad_request");
        cases.put(get(EVENTS + "a%2Fb", alice), "400 invalid_execution_id");
        cases.put(get(EVENTS + "%C3%A9t%C3%A9", alice), "400 invalid_execution_id");
        cases.put(get(EVENTS + "x".repeat(129), alice), "400 invalid_execution_id");
        cases.put(get(EVENTS + "x%0d%0aevent:%20forged", alice), "400 invalid_execution_id");
        cases.put(get(STATUS + "?token=%zz"), "400 invalid_query");
        cases.put(get(STATUS + "?token=a%00b"), "400 invalid_query");
        cases.put(get(EVENTS + "hostile-owned?lastEventId=1%0d%0aevent:%20forged", alice), "400 invalid_query");
        cases.put(get(EVENTS + "hostile-owned?lastEventId=1%20event:forged", alice), "400 invalid_last_event_id");
        cases.put(get(EVENTS + "hostile-owned?lastEventId=%D9%A1%D9%A2", alice), "400 invalid_last_event_id"); // Arabic-Indic digits
        cases.put(get(EVENTS + "hostile-owned", alice, "Last-Event-ID: 1 event: forged"), "400 invalid_last_event_id");
        cases.put(get(EVENTS + "hostile-owned", alice, "Last-Event-ID: 1\revent: forged"), "400 bad_request");
        cases.put(get(EVENTS + "hostile-owned", alice, "Last-Event-ID: " + "9".repeat(7_000)), "400 invalid_last_event_id");
        cases.put(get(EVENTS + "hostile-owned", alice, "Last-Event-ID: 1", "Last-Event-ID: 2"), "400 repeated_header");
        cases.put(get(EVENTS + "hostile-owned?lastEventId=1&lastEventId=2", alice), "400 repeated_parameter");
        cases.put(get(STATUS + "?token=a&token=b"), "400 repeated_parameter");
        cases.put(get(STATUS, "Authorization: Bearer a", "Authorization: Bearer b"), "400 repeated_header");
        cases.put(get(STATUS, bearer("a".repeat(5_000))), "401 token_too_large");
        cases.put("DELETE " + STATUS + " HTTP/1.1\r\nHost: edge", "405 method_not_allowed");
        cases.put("PROPFIND " + STATUS + " HTTP/1.1\r\nHost: edge", "405 method_not_allowed");
        cases.put("POST " + EVENTS + "x HTTP/1.1\r\nHost: edge\r\nContent-Length: 2\r\n\r\n{}", "405 method_not_allowed");
        cases.put(get("/api/v1/nothing/here"), "404 not_found");
        cases.put(get(STATUS).replace("HTTP/1.1", "HTTP/9.9"), "400 bad_request");
        cases.put(get(STATUS, "Transfer-Encoding: gzip"), "400 bad_request");
        cases.put("GARBAGE", "400 bad_request");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            String what = c.getKey().substring(0, Math.min(90, c.getKey().length()));
            RawHttp.Response response = RawHttp.send(edge.port(), c.getKey());
            String code = assertJsonError(what, response);
            assertEquals(c.getValue(), response.status() + " " + code, what);
        }
        RawHttp.Response head = RawHttp.send(edge.port(), "HEAD " + STATUS + " HTTP/1.1\r\nHost: edge\r\n" + alice);
        assertEquals(405, head.status(), "HEAD is not answered as an empty 200");
    }

    @Test
    void theHeaderSizeLimitIsTheConfiguredOne() throws Exception {
        EdgeSettings settings = EdgeSettings.fromEnv(Map.of("REDIS_URL", Infra.redis().url(), "SSE_REDIS_PREFIX", "hostile:",
                "SSE_HTTP_PORT", "0", "SSE_JWT_SECRET", TOKENS.secret(), "SSE_MAX_HEADER_BYTES", "2048"));
        try (EdgeApp small = EdgeApp.start(settings)) {
            String header = "X-Pad: " + "p".repeat(3_000);
            assertEquals(401, RawHttp.send(edge.port(), get(STATUS, header)).status(), "3 KB of headers pass the default limit");
            RawHttp.Response refused = RawHttp.send(small.port(), get(STATUS, header));
            assertEquals("431 headers_too_large", refused.status() + " " + assertJsonError("3 KB header", refused));
        }
    }

    @Test
    void aThousandHostileRequestsGetJsonErrorsAndTheEdgeStillServes() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        List<String> invalidTokens = invalidTokens();
        Map<Integer, Integer> statuses = new TreeMap<>();
        int requests = 1_200;
        for (int i = 0; i < requests; i++) {
            byte[] request = hostile(i % 12, random, invalidTokens);
            String what = "seed " + seed + " request " + i + ": " + new String(request, 0, Math.min(request.length, 120), StandardCharsets.ISO_8859_1);
            RawHttp.Response response;
            try {
                response = RawHttp.send(edge.port(), request);
            } catch (java.io.IOException e) {
                fail(what + " -> no answer: " + e);
                return;
            }
            statuses.merge(response.status(), 1, Integer::sum);
            if (request[0] == 'H' && new String(request, 0, 5, StandardCharsets.ISO_8859_1).equals("HEAD ")) {
                assertTrue(response.status() >= 400 && response.status() < 500, what + " -> " + response.status());
                continue;
            }
            assertJsonError(what, response);
        }
        System.out.println("hostile requests: " + requests + ", statuses " + statuses);

        try (SseClient client = SseClient.to(URI.create("http://127.0.0.1:" + edge.port() + EVENTS + "hostile-owned"))
                .bearer(TOKENS.user("alice", Duration.ofHours(1))).lastEventId("1").once().start()) {
            assertTrue(client.awaitConnection(1, Duration.ofSeconds(10)));
            assertEquals(List.of(200), client.statuses());
            assertEquals("2", client.await(1, Duration.ofSeconds(10)).get(0).id(), "a valid client is served normally");
        }
        RawHttp.Response status = RawHttp.send(edge.port(), get(STATUS, bearer(TOKENS.user("alice", Duration.ofHours(1)))));
        assertEquals(200, status.status());
        assertEquals(2, Json.read(status.body(), JsonNode.class).get("last_seq").asLong());
    }

    private static List<String> invalidTokens() {
        Instant later = Instant.now().plusSeconds(3600);
        String good = TOKENS.user("alice", Duration.ofHours(1));
        String[] parts = good.split("\\.");
        return List.of(
                new PlainJWT(Tokens.claims("alice", later).build()).serialize(),
                Tokens.sign(Tokens.claims("alice", later).build(), JWSAlgorithm.HS512, TOKENS.secret()),
                Tokens.sign(Tokens.claims("alice", later).build(), JWSAlgorithm.HS256, "another-secret-that-is-also-long-enough-32b"),
                TOKENS.sign(Tokens.claims("alice", Instant.now().minusSeconds(60)).build()),
                TOKENS.sign(Tokens.claims("alice", later).notBeforeTime(Date.from(later)).build()),
                TOKENS.sign(Tokens.claims(null, later).build()),
                TOKENS.sign(Tokens.claims("bad id!", later).build()),
                parts[0] + "." + parts[1] + ".",
                parts[0] + "." + parts[1],
                parts[0] + "." + parts[1] + "." + parts[2].substring(1),
                good.substring(0, good.length() - 5),
                "eyJhbGciOiJub25lIn0.e30.",
                "a.b.c",
                "....",
                "a".repeat(5_000),
                "Zm9v\u00e9.\u2603.x");
    }

    /** One hostile request of the given kind; none carries a valid token, so none may open a stream. */
    private static byte[] hostile(int kind, Random random, List<String> invalidTokens) {
        String[] routes = {EVENTS + "hostile-owned", STATUS, "/api/v1/events/notifications"};
        String route = routes[random.nextInt(routes.length)];
        return switch (kind) {
            case 0 -> concat("GET " + EVENTS, randomBytes(random, 1 + random.nextInt(200)), " HTTP/1.1\r\nHost: edge");
            case 1 -> ascii(get(EVENTS + percentEncoded(random, 1 + random.nextInt(150))));
            case 2 -> concat("GET " + route + "?", randomBytes(random, 1 + random.nextInt(300)), " HTTP/1.1\r\nHost: edge");
            case 3 -> ascii(get(route + "?token=" + percentEncoded(random, random.nextInt(300)) + "&lastEventId=" + percentEncoded(random, random.nextInt(30))));
            case 4 -> concat(get(route) + "\r\n" + randomName(random) + ": ", randomBytes(random, random.nextInt(500)), "");
            case 5 -> ascii(get(route, "X-" + randomName(random) + ": " + "h".repeat(8_500 + random.nextInt(24_000))));
            case 6 -> ascii(get(route + "?q=" + "q".repeat(4_100 + random.nextInt(24_000))));
            case 7 -> {
                String token = invalidTokens.get(random.nextInt(invalidTokens.size()));
                yield random.nextBoolean() ? utf8(get(route, bearer(token)))
                        : ascii(get(route + "?token=" + URLEncoder.encode(token, StandardCharsets.UTF_8)));
            }
            case 8 -> {
                String[] injections = {"%0d%0aevent:%20forged", "%0aid:%2099", "%0d%0adata:%20{}", "%0d%0a%0d%0aevent:x", "1%0d%0aretry:1"};
                String injection = injections[random.nextInt(injections.length)];
                yield switch (random.nextInt(4)) {
                    case 0 -> ascii(get(EVENTS + "x" + injection));
                    case 1 -> ascii(get(EVENTS + "hostile-owned?lastEventId=1" + injection));
                    case 2 -> ascii(get(EVENTS + "hostile-owned", "Last-Event-ID: 1 event: forged" + random.nextInt()));
                    default -> ascii(get(EVENTS + "hostile-owned", "Last-Event-ID: 1\revent: forged"));
                };
            }
            case 9 -> ascii(get(EVENTS + "hostile-owned", "Last-Event-ID: " + (random.nextBoolean() ? "9".repeat(19 + random.nextInt(7_000))
                    : random.nextBoolean() ? "-" + random.nextInt(1_000) : "1e" + random.nextInt(99))));
            case 10 -> {
                String[] methods = {"POST", "PUT", "DELETE", "PATCH", "TRACE", "OPTIONS", "PROPFIND", "FOO", "HEAD", "get", "M" + randomName(random).toUpperCase()};
                String method = methods[random.nextInt(methods.length)];
                String target = random.nextBoolean() ? route : "/" + randomName(random);
                yield ascii(method + " " + target + " HTTP/1.1\r\nHost: edge" + (method.equals("POST") ? "\r\nContent-Length: 0" : ""));
            }
            default -> {
                String[] lines = {"GET " + route + " HTTP/1.1", "GET " + route + " HTTP/9.9", "GET " + route, "GET http://other.example" + route + " HTTP/1.1\r\nHost: edge",
                        get(route, "Transfer-Encoding: chunked", "Content-Length: 3"), get(route, "Content-Length: -1"), get(route, "Bad Header: x"),
                        "GET * HTTP/1.1\r\nHost: edge", get(route, "Host: other"), get("/../../etc/passwd"), get(route + "/%2e%2e/%2e%2e")};
                yield ascii(lines[random.nextInt(lines.length)]);
            }
        };
    }

    private static byte[] randomBytes(Random random, int n) {
        byte[] bytes = new byte[n];
        random.nextBytes(bytes);
        for (int i = 0; i < n; i++) {
            if (bytes[i] == '\n' || bytes[i] == '\r') {
                bytes[i] = '%'; // keep the request's line structure; line breaks are in the injection cases
            }
        }
        return bytes;
    }

    private static String percentEncoded(Random random, int n) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < n; i++) {
            text.append(random.nextInt(3) == 0 ? String.format("%%%02X", random.nextInt(256)) : String.valueOf((char) ('a' + random.nextInt(26))));
        }
        return text.append("%").append(random.nextBoolean() ? "0" : "zz").toString(); // always ends badly encoded or with a NUL prefix
    }

    private static String randomName(Random random) {
        StringBuilder name = new StringBuilder();
        for (int i = 0; i < 3 + random.nextInt(12); i++) {
            name.append((char) ('a' + random.nextInt(26)));
        }
        return name.toString();
    }

    private static byte[] concat(String head, byte[] middle, String tail) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(head.getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(middle);
        out.writeBytes(tail.getBytes(StandardCharsets.ISO_8859_1));
        return out.toByteArray();
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
