package io.sserouter.edge;

import io.sserouter.testkit.Tokens;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sserouter.config.ConfigException;
import io.sserouter.contract.Json;
import io.sserouter.testkit.Infra;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What the set stream refuses before a byte of it is written: a 400 in the edge's one error shape, saying why. */
class ExecutionSetStreamBadRequestTest {
    private static final Tokens TOKENS = ExecutionSetStreamTest.TOKENS; // the secret of the edge it starts
    private static EdgeApp edge;

    record Response(int status, String body) {
        JsonNode json() {
            return Json.read(body, JsonNode.class);
        }
    }

    static Response get(int port, String pathAndQuery, String lastEventId) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery)).timeout(Duration.ofSeconds(5));
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        HttpResponse<java.io.InputStream> response = HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() == 200) {
            response.body().close(); // a stream: hang up
            return new Response(200, "");
        }
        try (java.io.InputStream body = response.body()) {
            return new Response(response.statusCode(), new String(body.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    @BeforeAll
    static void start() {
        edge = EdgeApp.start(ExecutionSetStreamTest.settings("set-bad:"));
    }

    @AfterAll
    static void stop() {
        edge.close();
    }

    private static Response set(String query, String lastEventId) throws Exception {
        return get(edge.port(), "/api/v1/events/executions?" + query + "&token=" + TOKENS.user("alice", Duration.ofMinutes(10)), lastEventId);
    }

    private static void assertRefused(Response response, String code, String says) {
        assertEquals(400, response.status(), response.body());
        JsonNode json = response.json();
        assertEquals(2, json.size(), "error and message only: " + response.body());
        assertEquals(code, json.get("error").asText());
        assertTrue(json.get("message").asText().contains(says), response.body());
    }

    private static String ids(int n) {
        return IntStream.rangeClosed(1, n).mapToObj(i -> "id=b-" + i).collect(Collectors.joining("&"));
    }

    @Test
    void moreExecutionsThanTheLimitAreRefused() throws Exception {
        assertRefused(set(ids(33), null), "too_many_executions", "at most 32");
        assertEquals(200, set(ids(32), null).status(), "32 are fine");
    }

    @Test
    void noExecutionIsRefused() throws Exception {
        assertRefused(set("x=1", null), "missing_execution_id", "id=");
    }

    @Test
    void aRepeatedExecutionIsRefused() throws Exception {
        assertRefused(set("id=b-1&id=b-2&id=b-1", null), "duplicate_execution_id", "b-1");
    }

    @Test
    void aMalformedExecutionIdIsRefused() throws Exception {
        assertRefused(set("id=b-1&id=no%20spaces", null), "invalid_execution_id", "[A-Za-z0-9._:-]");
        assertRefused(set("id=b-1&id=", null), "invalid_execution_id", "1-128");
    }

    @Test
    void aCursorThatThisStreamCannotHaveSentIsRefused() throws Exception {
        assertRefused(set("id=b-1&id=b-2", "5"), "invalid_last_event_id", "2 dot-separated positions");
        assertRefused(set("id=b-1&id=b-2", "5.6.7"), "invalid_last_event_id", "3 positions for 2");
        assertRefused(set("id=b-1&id=b-2", "5.x"), "invalid_last_event_id", "non-negative integer");
        assertRefused(set("id=b-1&id=b-2", "5.-1"), "invalid_last_event_id", "non-negative integer");
        assertRefused(set("id=b-1&id=b-2", "."), "invalid_last_event_id", "no position");
        assertRefused(set("id=b-1&id=b-2&lastEventId=1.1234567890123456789", null), "invalid_last_event_id", "18 digits");
        assertEquals(200, set("id=b-1&id=b-2", "5.").status(), "an empty position is one the client has seen nothing of");
    }

    @Test
    void theLimitIsASettingValidatedAtStart() {
        Map<String, String> base = Map.of("REDIS_URL", Infra.redis().url(), "SSE_JWT_SECRET", TOKENS.secret());
        assertEquals(32, EdgeSettings.fromEnv(base).maxExecutionsPerStream());
        java.util.HashMap<String, String> vars = new java.util.HashMap<>(base);
        vars.put("SSE_MAX_EXECUTIONS_PER_STREAM", "3");
        assertEquals(3, EdgeSettings.fromEnv(vars).maxExecutionsPerStream());
        vars.put("SSE_MAX_EXECUTIONS_PER_STREAM", "0");
        assertThrows(ConfigException.class, () -> EdgeSettings.fromEnv(vars));
        vars.put("SSE_MAX_EXECUTIONS_PER_STREAM", "many");
        assertThrows(ConfigException.class, () -> EdgeSettings.fromEnv(vars));
    }
}
