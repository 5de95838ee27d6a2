package io.sserouter.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sserouter.contract.Json;
import io.sserouter.contract.RedisKeys;
import io.sserouter.testkit.Await;
import io.sserouter.testkit.FreePorts;
import io.sserouter.testkit.RedisCluster;
import io.sserouter.testkit.RedisProcess;
import io.sserouter.testkit.Tokens;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * With Redis unreachable (down, or frozen so that reads time out) the edge answers 503 with Retry-After, never 500,
 * and recovers by itself when Redis comes back.
 */
class RedisDownTest {
    private static final Tokens TOKENS = Tokens.hs256();
    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + TOKENS.user("alice", Duration.ofHours(1))).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void unreachableRedisGives503WithRetryAfterThenRecovers() throws Exception {
        int redisPort = FreePorts.any();
        EdgeSettings settings = EdgeSettings.fromEnv(Map.of("REDIS_URL", "redis://127.0.0.1:" + redisPort, "SSE_HTTP_PORT", "0",
                "SSE_JWT_SECRET", TOKENS.secret()));
        try (EdgeApp edge = EdgeApp.start(settings)) {
            assertEquals(503, get(edge.port(), "/health/ready").statusCode());
            assertTrue(get(edge.port(), "/metrics").body().contains("sse_redis_up 0.0"), "the subscriber is down");
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
                assertTrue(get(edge.port(), "/metrics").body().contains("sse_redis_up 1.0"), "the subscriber is up again");
            }
        }
    }

    @Test
    void aClusterWithASlotWithoutMasterGives503NotAnInternalError() throws Exception {
        try (RedisCluster cluster = RedisCluster.start();
             EdgeApp edge = EdgeApp.start(EdgeSettings.fromEnv(Map.of("REDIS_URL", cluster.url(), "SSE_HTTP_PORT", "0",
                     "SSE_JWT_SECRET", TOKENS.secret())))) {
            Await.until("the edge is ready", () -> status(edge, "/health/ready") == 200);
            // every node forgets who serves one slot: the cluster answers CLUSTERDOWN, as while a replica takes over
            int slot = RedisCluster.slotOf(new RedisKeys("sse:").execStatus("e-1"));
            for (RedisProcess node : cluster.nodes()) {
                try (Jedis jedis = new Jedis(node.address())) {
                    jedis.clusterDelSlots(slot);
                }
            }
            Await.until("the edge is no longer ready", () -> status(edge, "/health/ready") == 503);
            HttpResponse<String> response = get(edge.port(), "/api/v1/executions/e-1/status");
            assertEquals(503, response.statusCode(), response.body());
            assertEquals("5", response.headers().firstValue("Retry-After").orElse(""));
        }
    }

    private static int status(EdgeApp edge, String path) {
        try {
            return get(edge.port(), path).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    @Test
    void frozenRedisGives503NotAnInternalError() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(24);
        try (RedisProcess redis = RedisProcess.start();
             EdgeApp edge = EdgeApp.start(EdgeSettings.fromEnv(Map.of("REDIS_URL", redis.url(), "SSE_HTTP_PORT", "0",
                     "SSE_JWT_SECRET", TOKENS.secret())))) {
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (get(edge.port(), "/health/ready").statusCode() != 200 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            redis.freeze(); // the subscriber connection stays open and quiet, so the edge still looks ready
            try {
                // more requests at once than the edge has pooled connections: some wait for one in vain
                List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
                for (int i = 0; i < 24; i++) {
                    String path = i % 2 == 0 ? "/api/v1/events/executions/e-" + i : "/api/v1/executions/e-" + i + "/status";
                    burst.add(CompletableFuture.supplyAsync(() -> {
                        try {
                            return get(edge.port(), path);
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }, pool));
                }
                for (CompletableFuture<HttpResponse<String>> request : burst) {
                    HttpResponse<String> response = request.get(60, TimeUnit.SECONDS);
                    String path = response.uri().getPath();
                    assertEquals(503, response.statusCode(), path + ": " + response.body());
                    assertEquals("5", response.headers().firstValue("Retry-After").orElse(""), path);
                    assertEquals("unavailable", Json.read(response.body(), JsonNode.class).get("error").asText(), path);
                }
            } finally {
                redis.thaw();
            }
            assertEquals(404, get(edge.port(), "/api/v1/executions/e-1/status").statusCode(), "served again once Redis answers");
        } finally {
            pool.shutdownNow();
        }
    }
}
