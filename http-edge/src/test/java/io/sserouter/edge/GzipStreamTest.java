package io.sserouter.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sserouter.edge.sse.SseResponses;
import io.sserouter.testkit.Infra;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Streams are gzip-encoded for clients that accept it, each event flushed at once, within a bound on such streams. */
class GzipStreamTest {
    private static final String END = "<end>";
    private static EdgeApp edge;
    private static FakeTopology topology;

    @BeforeAll
    static void start() {
        EdgeSettings settings = EdgeSettings.fromEnv(Map.of("REDIS_URL", Infra.redis().url(), "SSE_REDIS_PREFIX", "gzip:",
                "SSE_HTTP_PORT", "0", "SSE_CLOSE_LINGER_MS", "100", "SSE_GZIP_MAX_STREAMS", "1", "SSE_JWT_SECRET", Tokens.SECRET));
        edge = EdgeApp.start(settings);
        topology = new FakeTopology(settings.redis().url(), settings.redis().keys(), 100);
    }

    @AfterAll
    static void stop() {
        edge.close();
        topology.close();
    }

    /** One stream, read line by line on its own thread, through gzip when the response says so. */
    private record Stream(HttpResponse<InputStream> response, BlockingQueue<String> lines) {
        boolean gzip() {
            return "gzip".equals(response.headers().firstValue("Content-Encoding").orElse(null));
        }

        String awaitLine(String prefix) throws InterruptedException {
            while (true) {
                String line = lines.poll(10, TimeUnit.SECONDS);
                assertNotNull(line, "no line starting with " + prefix);
                if (line.startsWith(prefix) || line.equals(END) || line.startsWith("<failed")) {
                    return line;
                }
            }
        }
    }

    private static Stream open(String execution, String acceptEncoding) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + "/api/v1/events/executions/" + execution))
                .header("Authorization", "Bearer " + Tokens.user("alice")).header("Accept-Encoding", acceptEncoding).build();
        HttpResponse<InputStream> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofInputStream());
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Stream stream = new Stream(response, lines);
        Thread reader = new Thread(() -> {
            try (InputStream body = stream.gzip() ? unblocked(new GZIPInputStream(response.body(), 512)) : response.body();
                 BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    lines.add(line);
                }
                lines.add(END);
            } catch (Exception e) {
                lines.add("<failed: " + e + ">");
            }
        });
        reader.setDaemon(true);
        reader.start();
        return stream;
    }

    /**
     * InflaterInputStream always reports one byte available, which makes a Reader block for more input after a
     * complete line; a browser's decoder has no such problem.
     */
    private static InputStream unblocked(InputStream in) {
        return new java.io.FilterInputStream(in) {
            @Override
            public int available() {
                return 0;
            }
        };
    }

    @Test
    void aGzipStreamDeliversEachEventWhileOpenAndEndsAsAValidGzipMember() throws Exception {
        topology.writeAll("z1", 2, false);
        Stream stream = open("z1", "gzip, deflate, br");
        assertEquals(200, stream.response().statusCode());
        assertTrue(stream.gzip());
        assertEquals("Accept-Encoding", stream.response().headers().firstValue("Vary").orElse(null));
        assertEquals("id: 2", stream.awaitLine("id: "));
        topology.write("z1", 3, "pod_running", "alice", false);
        assertEquals("id: 3", stream.awaitLine("id: "), "a live event arrives at once, not when a compression block fills");
        topology.write("z1", 4, "result_stored", "alice", true);
        assertEquals("id: 4", stream.awaitLine("id: "));
        assertEquals(END, stream.awaitLine(END), "the stream ends with a complete gzip trailer (CRC and length checked)");
    }

    @Test
    void compressedStreamsAreBoundedAndRefusedCodingsAreHonoured() throws Exception {
        topology.writeAll("z2", 1, false);
        Stream first = open("z2", "gzip");
        assertTrue(first.gzip());
        first.awaitLine("id: ");
        Stream second = open("z2", "gzip");
        assertFalse(second.gzip(), "beyond SSE_GZIP_MAX_STREAMS streams go uncompressed");
        assertEquals("id: 1", second.awaitLine("id: "));
        Stream refused = open("z2", "gzip;q=0, identity");
        assertFalse(refused.gzip());

        topology.write("z2", 2, "result_stored", "alice", true);
        assertEquals(END, first.awaitLine(END));
        Thread.sleep(200);
        topology.writeAll("z3", 1, false);
        Stream third = open("z3", "gzip");
        assertTrue(third.gzip(), "the slot of a closed compressed stream is free again");
        assertEquals("id: 1", third.awaitLine("id: "));
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
