package io.sserouter.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sserouter.edge.sse.SseResponses;
import io.sserouter.testkit.Infra;
import io.sserouter.testkit.Tokens;
import io.sserouter.testkit.sse.SseClient;
import io.sserouter.testkit.sse.SseEvent;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Streams are gzip-encoded for clients that accept it, each event flushed at once, within a bound on such streams. */
class GzipStreamTest {
    private static final Tokens TOKENS = Tokens.hs256();
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static EdgeApp edge;
    private static FakeTopology topology;

    @BeforeAll
    static void start() {
        EdgeSettings settings = EdgeSettings.fromEnv(Map.of("REDIS_URL", Infra.redis().url(), "SSE_REDIS_PREFIX", "gzip:",
                "SSE_HTTP_PORT", "0", "SSE_CLOSE_LINGER_MS", "100", "SSE_GZIP_MAX_STREAMS", "1", "SSE_JWT_SECRET", TOKENS.secret()));
        edge = EdgeApp.start(settings);
        topology = new FakeTopology(settings.redis().url(), settings.redis().keys(), 100);
    }

    @AfterAll
    static void stop() {
        edge.close();
        topology.close();
    }

    /** One stream with {@code Accept-Encoding}, connected; the client undoes gzip as a browser does. */
    private static SseClient open(String execution, String acceptEncoding) throws InterruptedException {
        SseClient client = SseClient.to(URI.create("http://127.0.0.1:" + edge.port() + "/api/v1/events/executions/" + execution))
                .bearer(TOKENS.user("alice", Duration.ofHours(1))).header("Accept-Encoding", acceptEncoding).once().start();
        assertTrue(client.awaitConnection(1, WAIT), "connected: " + client.statuses() + " " + client.errors());
        return client;
    }

    private static boolean gzip(SseClient client) {
        return client.header("Content-Encoding").orElse("").equals("gzip");
    }

    /** The id of event {@code n} (from 1), once it arrived. */
    private static String awaitId(SseClient client, int n) throws InterruptedException {
        List<SseEvent> events = client.await(n, WAIT);
        assertTrue(events.size() >= n, "event " + n + " did not arrive: " + events + " " + client.errors());
        return events.get(n - 1).id();
    }

    /**
     * The response ended and its body read to the end without an error: for a gzip body that means a complete
     * member, its trailer's CRC and length checked by the decoder.
     */
    private static void assertEndsCleanly(SseClient client, String message) throws InterruptedException {
        assertTrue(client.awaitEnd(WAIT), message + ": the response ends");
        assertEquals(List.of(), client.errors(), message);
    }

    @Test
    void aGzipStreamDeliversEachEventWhileOpenAndEndsAsAValidGzipMember() throws Exception {
        topology.writeAll("z1", 2, false);
        try (SseClient stream = open("z1", "gzip, deflate, br")) {
            assertEquals(List.of(200), stream.statuses());
            assertTrue(gzip(stream));
            assertEquals("Accept-Encoding", stream.header("Vary").orElse(null));
            assertEquals("2", awaitId(stream, 1));
            topology.write("z1", 3, "pod_running", "alice", false);
            assertEquals("3", awaitId(stream, 2), "a live event arrives at once, not when a compression block fills");
            topology.write("z1", 4, "result_stored", "alice", true);
            assertEquals("4", awaitId(stream, 3));
            assertEndsCleanly(stream, "the stream ends with a complete gzip trailer (CRC and length checked)");
        }
    }

    @Test
    void compressedStreamsAreBoundedAndRefusedCodingsAreHonoured() throws Exception {
        topology.writeAll("z2", 1, false);
        try (SseClient first = open("z2", "gzip")) {
            assertTrue(gzip(first));
            awaitId(first, 1);
            try (SseClient second = open("z2", "gzip"); SseClient refused = open("z2", "gzip;q=0, identity")) {
                assertFalse(gzip(second), "beyond SSE_GZIP_MAX_STREAMS streams go uncompressed");
                assertEquals("1", awaitId(second, 1));
                assertFalse(gzip(refused));

                topology.write("z2", 2, "result_stored", "alice", true);
                assertEndsCleanly(first, "the compressed stream ends");
            }
        }
        Thread.sleep(200);
        topology.writeAll("z3", 1, false);
        try (SseClient third = open("z3", "gzip")) {
            assertTrue(gzip(third), "the slot of a closed compressed stream is free again");
            assertEquals("1", awaitId(third, 1));
        }
    }

    @Test
    void acceptEncodingIsParsedAsHttpDefinesIt() {
        assertTrue(SseResponses.acceptsGzip("gzip"));
        assertTrue(SseResponses.acceptsGzip("deflate, GZIP;q=0.5"));
        assertTrue(SseResponses.acceptsGzip("*"));
        assertFalse(SseResponses.acceptsGzip("gzip;q=0"));
        assertFalse(SseResponses.acceptsGzip("gzip; q=0.000, br"));
        assertFalse(SseResponses.acceptsGzip("identity"));
        assertFalse(SseResponses.acceptsGzip(null));
        assertFalse(SseResponses.acceptsGzip("x-gzip2"));
    }
}
