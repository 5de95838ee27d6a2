package io.sserouter.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sserouter.config.Json;
import io.sserouter.testkit.RedisProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** With Redis unreachable the edge answers 503 with Retry-After, never 500, and recovers by itself when Redis comes. */
class RedisDownTest {
    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + Tokens.user("alice")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void unreachableRedisGives503WithRetryAfterThenRecovers() throws Exception {
        int redisPort = RedisProcess.freePort();
        EdgeSettings settings = EdgeSettings.fromEnv(Map.of("REDIS_URL", "redis://127.0.0.1:" + redisPort, "SSE_HTTP_PORT", "0",
                "SSE_JWT_SECRET", Tokens.SECRET));
        try (EdgeApp edge = EdgeApp.start(settings)) {
            assertEquals(503, get(edge.port(), "/health/ready").statusCode());
            for (String path : new String[] {"/api/v1/events/executions/e-1", "/api/v1/events/notifications", "/api/v1/executions/e-1/status"}) {
                HttpResponse<String> response = get(edge.port(), path);
                assertEquals(503, response.statusCode(), path);
                assertEquals("5", response.headers().firstValue("Retry-After").orElse(""), path);
                assertEquals("unavailable", Json.read(response.body(), JsonNode.class).get("error").asText(), path);
            }
            try (RedisProcess redis = RedisProcess.start(redisPort)) {
                long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
                while (get(edge.port(), "/health/ready").statusCode() != 200 && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                assertEquals(200, get(edge.port(), "/health/ready").statusCode(), "ready again without a restart");
                assertEquals(404, get(edge.port(), "/api/v1/executions/e-1/status").statusCode());
                assertTrue(get(edge.port(), "/metrics").body().contains("sse_connections_rejected_total{reason=\"redis_unavailable\"}"));
            }
        }
    }
}
