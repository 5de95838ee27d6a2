package io.sserouter.testkit.sse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The client against a real HTTP server: refusal, chunked streams, retry:, resume by Last-Event-ID, the final event. */
class SseClientTest {
    private final List<String> resumedFrom = Collections.synchronizedList(new ArrayList<>());

    private void answer(HttpExchange exchange) throws IOException {
        int request = resumedFrom.size();
        resumedFrom.add(String.valueOf(exchange.getRequestHeaders().getFirst("Last-Event-ID")));
        if (request == 0) {
            exchange.getResponseHeaders().add("Retry-After", "0");
            exchange.sendResponseHeaders(503, -1);
            exchange.close();
            return;
        }
        String body = request == 1
                ? "retry: 50\n\n: ping\nid: 1\nevent: pod_running\ndata: {\"seq\":1}\n\nid: 2\nevent: pod_running\ndata: {\"seq\":2}\n\n"
                : "id: 3\nevent: result_stored\ndata: {\"seq\":3}\n\n";
        exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0); // chunked
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body.getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void retriesARefusalResumesAfterTheLastIdWithTheServersRetryAndStopsAfterTheFinalEvent() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/stream", this::answer);
        server.start();
        try (SseClient client = SseClient.to(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/stream"))
                .endsWith(e -> e.event().equals("result_stored")).start(Duration.ofSeconds(20))) {
            long started = System.nanoTime();
            assertTrue(client.awaitEnd(Duration.ofSeconds(20)), "finished after the final event's stream ended");
            assertTrue(Duration.ofNanos(System.nanoTime() - started).toMillis() < 2_500, "reconnected after retry: 50, not 3 s");
            assertEquals(List.of("1", "2", "3"), client.events().stream().map(SseEvent::id).toList());
            assertEquals(3, client.events().get(2).json().get("seq").asInt());
            assertEquals(List.of("null", "null", "2"), resumedFrom, "Last-Event-ID only once there is one");
            assertEquals(List.of(503, 200, 200), client.statuses());
            assertEquals(List.of("ping"), client.comments());
            assertEquals(List.of(50L), client.retries());
            assertEquals(1, client.cutBeforeEnd(), "the first stream ended before the final event");
        } finally {
            server.stop(0);
        }
    }
}
