package io.sserouter.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.sun.net.httpserver.HttpServer;
import io.sserouter.config.ConfigException;
import io.sserouter.contract.Json;
import io.sserouter.testkit.FreePorts;
import io.sserouter.testkit.Infra;
import io.sserouter.testkit.Tokens;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** RS256 with a configured public key or a JWKS served over real HTTP: the attack matrix, kid rotation, a key server that is down. */
class RsaAuthTest {
    /** HS256 with a secret long enough to sign the HS512 tokens that must be refused. */
    private static final Tokens TOKENS = Tokens.hs256("hs256-secret-of-sixty-four-bytes-so-that-hs512-tokens-can-be-made");
    private static final String STATUS = "/api/v1/executions/rsa-owned/status";
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static RSAKey key;
    private static RSAKey otherKey;
    private static FakeTopology topology;

    @BeforeAll
    static void keys() throws Exception {
        key = new RSAKeyGenerator(2048).keyID("k1").generate();
        otherKey = new RSAKeyGenerator(2048).keyID("k1").generate(); // same kid, different key
        EdgeSettings settings = settings("rsa:", Map.of("SSE_JWT_PUBLIC_KEY", pem(key)));
        topology = new FakeTopology(settings.redis().url(), settings.redis().keys(), 100);
        topology.writeAll("rsa-owned", 1, false);
    }

    @AfterAll
    static void stop() {
        topology.close();
    }

    private static EdgeSettings settings(String prefix, Map<String, String> jwt) {
        Map<String, String> env = new HashMap<>(Map.of("REDIS_URL", Infra.redis().url(), "SSE_REDIS_PREFIX", prefix, "SSE_HTTP_PORT", "0"));
        env.putAll(jwt);
        return EdgeSettings.fromEnv(env);
    }

    static String pem(RSAKey rsa) {
        return Tokens.publicKeyPem(rsa);
    }

    static JWTClaimsSet.Builder alice() {
        return Tokens.claims("alice", Instant.now().plusSeconds(3600));
    }

    /** RS256 by {@code signer} with {@code kid} in the header (none when null), whatever kid the key itself has. */
    static String rs256(RSAKey signer, String kid, JWTClaimsSet claims) {
        return Tokens.rs256(new RSAKey.Builder(signer).keyID(kid).build()).sign(claims);
    }

    static HttpResponse<String> get(EdgeApp edge, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + STATUS)).timeout(Duration.ofSeconds(10));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String error(HttpResponse<String> response) {
        return Json.read(response.body(), JsonNode.class).get("error").asText();
    }

    /** Every token of {@code attacks} is refused with 401 and the given reason; none is echoed. */
    private static void assertRefused(EdgeApp edge, Map<String, String> attacks) throws Exception {
        for (Map.Entry<String, String> attack : attacks.entrySet()) {
            String[] tokenAndReason = attack.getValue().split(" ", 2);
            HttpResponse<String> response = get(edge, tokenAndReason[0]);
            assertEquals(401, response.statusCode(), attack.getKey() + ": " + response.body());
            assertEquals(tokenAndReason[1], error(response), attack.getKey());
            assertTrue(!response.body().contains(tokenAndReason[0]), "the token is not echoed");
        }
    }

    /** The classic matrix, whatever the RS256 source: only RS256 signed by a configured key, with valid claims, passes. */
    private static Map<String, String> matrix(String kid) throws Exception {
        Instant later = Instant.now().plusSeconds(3600);
        String good = rs256(key, kid, alice().build());
        String[] parts = good.split("\\.");
        String forgedClaims = Base64.getUrlEncoder().withoutPadding().encodeToString(
                alice().claim("roles", List.of("admin")).build().toString().getBytes(StandardCharsets.UTF_8));
        Map<String, String> attacks = new LinkedHashMap<>();
        attacks.put("alg none", new PlainJWT(alice().build()).serialize() + " invalid_token");
        attacks.put("HS256 with the public key PEM as HMAC secret",
                Tokens.sign(alice().build(), JWSAlgorithm.HS256, pem(key).getBytes(StandardCharsets.US_ASCII)) + " invalid_token");
        attacks.put("HS256 with the public key DER as HMAC secret", Tokens.sign(alice().build(), JWSAlgorithm.HS256, key.toRSAPublicKey().getEncoded()) + " invalid_token");
        attacks.put("RS512 by the right key", Tokens.sign(alice().build(), JWSAlgorithm.RS512, new RSAKey.Builder(key).keyID(kid).build()) + " invalid_token");
        attacks.put("PS256 by the right key", Tokens.sign(alice().build(), JWSAlgorithm.PS256, new RSAKey.Builder(key).keyID(kid).build()) + " invalid_token");
        attacks.put("signed by another RSA key", rs256(otherKey, kid, alice().build()) + " invalid_token");
        attacks.put("tampered claims", parts[0] + "." + forgedClaims + "." + parts[2] + " invalid_token");
        attacks.put("signature stripped", parts[0] + "." + parts[1] + ". malformed_token");
        attacks.put("expired", rs256(key, kid, Tokens.claims("alice", Instant.now().minusSeconds(60)).build()) + " token_expired");
        attacks.put("not yet valid", rs256(key, kid, alice().notBeforeTime(Date.from(later.minusSeconds(1800))).build()) + " token_not_yet_valid");
        attacks.put("no exp", rs256(key, kid, Tokens.claims("alice", null).build()) + " invalid_token");
        return attacks;
    }

    @Test
    void aConfiguredPublicKeyAcceptsRs256AndRefusesEveryOtherToken() throws Exception {
        try (EdgeApp edge = EdgeApp.start(settings("rsa:", Map.of("SSE_JWT_PUBLIC_KEY", pem(key))))) {
            assertEquals(200, get(edge, rs256(key, null, alice().build())).statusCode(), "RS256 without kid");
            assertEquals(200, get(edge, rs256(key, "any", alice().build())).statusCode(), "one fixed key: any kid names it");
            Map<String, String> attacks = matrix("k1");
            attacks.put("HS256 with the test secret (HS256 not configured)", TOKENS.user("alice", Duration.ofHours(1)) + " invalid_token");
            assertRefused(edge, attacks);
        }
    }

    @Test
    void issuerAndAudienceAreCheckedWhenConfigured() throws Exception {
        try (EdgeApp edge = EdgeApp.start(settings("rsa:", Map.of("SSE_JWT_PUBLIC_KEY", pem(key),
                "SSE_JWT_ISSUER", "https://issuer.example", "SSE_JWT_AUDIENCE", "sse-router")))) {
            assertEquals(200, get(edge, rs256(key, null, alice().issuer("https://issuer.example").audience(List.of("other", "sse-router")).build())).statusCode());
            assertRefused(edge, Map.of(
                    "no iss", rs256(key, null, alice().audience("sse-router").build()) + " invalid_token",
                    "wrong iss", rs256(key, null, alice().issuer("https://evil.example").audience("sse-router").build()) + " invalid_token",
                    "no aud", rs256(key, null, alice().issuer("https://issuer.example").build()) + " invalid_token",
                    "wrong aud", rs256(key, null, alice().issuer("https://issuer.example").audience("other").build()) + " invalid_token"));
        }
    }

    @Test
    void duringAMigrationBothAlgorithmsPassButEachOnlyWithItsOwnKey() throws Exception {
        Path file = Files.createTempFile("edge-key", ".pem");
        Files.writeString(file, pem(key));
        try (EdgeApp edge = EdgeApp.start(settings("rsa:", Map.of("SSE_JWT_PUBLIC_KEY_FILE", file.toString(), "SSE_JWT_SECRET", TOKENS.secret())))) {
            assertEquals(200, get(edge, rs256(key, "k1", alice().build())).statusCode(), "RS256 by the configured key");
            assertEquals(200, get(edge, TOKENS.user("alice", Duration.ofHours(1))).statusCode(), "HS256 by the configured secret");
            assertRefused(edge, Map.of(
                    "HS256 with the public key PEM as secret", Tokens.sign(alice().build(), JWSAlgorithm.HS256, pem(key).getBytes(StandardCharsets.US_ASCII)) + " invalid_token",
                    "HS512 with the secret", Tokens.sign(alice().build(), JWSAlgorithm.HS512, TOKENS.secret()) + " invalid_token",
                    "RS256 by another key", rs256(otherKey, "k1", alice().build()) + " invalid_token"));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void aJwksIsFollowedByKidRefetchedForANewKidAndNotHammeredByForgedOnes() throws Exception {
        try (Jwks jwks = new Jwks(FreePorts.any())) {
            jwks.serve(key);
            jwks.start();
            try (EdgeApp edge = EdgeApp.start(settings("rsa:", jwksEnv(jwks)))) {
                assertEquals(200, get(edge, rs256(key, "k1", alice().build())).statusCode());
                Map<String, String> attacks = matrix("k1");
                attacks.put("unknown kid", rs256(key, "nobody", alice().build()) + " invalid_token");
                assertRefused(edge, attacks);

                // rotation: a token with a kid the edge has not seen yet is refused until the JWKS lists it, then accepted
                RSAKey next = new RSAKeyGenerator(2048).keyID("k2").generate();
                String rotated = rs256(next, "k2", alice().build());
                assertEquals("invalid_token", error(get(edge, rotated)));
                jwks.serve(key, next);
                assertEquals(200, awaitStatus(edge, rotated, 200).statusCode(), "the new kid is fetched");
                assertEquals(200, get(edge, rs256(key, "k1", alice().build())).statusCode(), "the old key still works");

                // forged kids: each would force a refetch, the rate limit keeps that to a couple per interval
                int before = jwks.fetches.get();
                for (int i = 0; i < 50; i++) {
                    assertEquals(401, get(edge, rs256(otherKey, UUID.randomUUID().toString(), alice().build())).statusCode());
                }
                int forced = jwks.fetches.get() - before;
                assertTrue(forced <= 4, "50 forged kids made " + forced + " JWKS fetches");
            }
        }
    }

    @Test
    void aJwksDownAtStartGives503UntilItAnswersThenTheEdgeRecoversByItself() throws Exception {
        int port = FreePorts.any();
        try (Jwks jwks = new Jwks(port); EdgeApp edge = EdgeApp.start(settings("rsa:", jwksEnv(jwks)))) {
            String token = rs256(key, "k1", alice().build());
            HttpResponse<String> down = get(edge, token);
            assertEquals(503, down.statusCode(), down.body());
            assertEquals("auth_unavailable", error(down));
            assertTrue(down.headers().firstValue("Retry-After").isPresent());
            assertEquals("malformed_token", error(get(edge, "not.a.jwt")), "what needs no key is still answered");
            assertEquals("invalid_token", error(get(edge, TOKENS.user("alice", Duration.ofHours(1)))), "HS256 is not configured: no key is looked up");
            jwks.serve(key);
            jwks.start();
            assertEquals(200, awaitStatus(edge, token, 200).statusCode(), "recovers once the key server answers");
        }
    }

    @Test
    void badKeyConfigurationIsRefusedAtStartNamingTheVariable() throws Exception {
                Map<String, String> cases = new LinkedHashMap<>();
        cases.put("SSE_JWT_PUBLIC_KEY=not a key", "SSE_JWT_PUBLIC_KEY must be a PEM RSA public key");
        cases.put("SSE_JWT_PUBLIC_KEY=-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", "SSE_JWT_PUBLIC_KEY must be a PEM RSA public key");
        cases.put("SSE_JWT_PUBLIC_KEY_FILE=/nonexistent/key.pem", "SSE_JWT_PUBLIC_KEY_FILE cannot be read");
        cases.put("SSE_JWT_JWKS_URL=ftp://keys.example/jwks.json", "SSE_JWT_JWKS_URL must be an http(s) URL");
        cases.put("SSE_JWT_JWKS_URL=http://exa mple", "SSE_JWT_JWKS_URL is not a valid URL");
        cases.put("SSE_JWT_SECRET=too-short", "SSE_JWT_SECRET must be at least 32 bytes");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            String[] nameValue = c.getKey().split("=", 2);
            ConfigException e = assertThrows(ConfigException.class, () -> EdgeSettings.fromEnv(Map.of(nameValue[0], nameValue[1])), c.getKey());
            assertTrue(e.getMessage().contains(c.getValue()), e.getMessage());
            assertTrue(!e.getMessage().contains("SSE_JWT_SECRET is required") || nameValue[0].equals("SSE_JWT_SECRET"),
                    "an RS256 source, even a bad one, makes the secret optional: " + e.getMessage());
        }
        assertNull(EdgeSettings.fromEnv(Map.of("SSE_JWT_PUBLIC_KEY", pem(otherKey))).jwt().hmacSecret(), "RS256 alone needs no secret");
        assertTrue(assertThrows(ConfigException.class, () -> EdgeSettings.fromEnv(Map.of("SSE_JWT_PUBLIC_KEY", pem(new RSAKeyGenerator(1024, true).generate()))))
                .getMessage().contains("at least 2048 bits"));
    }

    private static Map<String, String> jwksEnv(Jwks jwks) {
        return Map.of("SSE_JWT_JWKS_URL", jwks.url(), "SSE_JWT_JWKS_MIN_REFRESH_SECONDS", "1");
    }

    private static HttpResponse<String> awaitStatus(EdgeApp edge, String token, int status) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        HttpResponse<String> response = get(edge, token);
        while (response.statusCode() != status && System.nanoTime() < deadline) {
            Thread.sleep(200);
            response = get(edge, token);
        }
        return response;
    }

    /** A key server on a fixed free port, so it can be absent at first and appear later at the same URL. */
    static final class Jwks implements AutoCloseable {
        final AtomicInteger fetches = new AtomicInteger();
        private final AtomicReference<String> body = new AtomicReference<>("{\"keys\":[]}");
        private final int port;
        private HttpServer server;

        Jwks(int port) {
            this.port = port;
        }

        String url() {
            return "http://127.0.0.1:" + port + "/.well-known/jwks.json";
        }

        void serve(RSAKey... keys) {
            body.set(new JWKSet(List.of(keys)).toPublicJWKSet().toString());
        }

        void start() throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
            server.createContext("/.well-known/jwks.json", exchange -> {
                fetches.incrementAndGet();
                byte[] bytes = body.get().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, bytes.length);
                exchange.getResponseBody().write(bytes);
                exchange.close();
            });
            server.start();
        }

        @Override
        public void close() {
            if (server != null) {
                server.stop(0);
            }
        }
    }
}
