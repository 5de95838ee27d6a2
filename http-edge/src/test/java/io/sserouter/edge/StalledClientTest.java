package io.sserouter.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sserouter.testkit.Infra;
import io.sserouter.testkit.Tokens;
import io.sserouter.testkit.sse.SseClient;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * A real TCP client that stops reading must not hold up anyone else, even with a single writer thread: frames for it
 * queue in its own bounded buffer, and when that overflows it is disconnected.
 */
class StalledClientTest {
    private static final Tokens TOKENS = Tokens.hs256();
    @Test
    void aClientThatStopsReadingNeverSlowsTheOthers() throws Exception {
        // an allowance larger than everything sent: the stalled client stays connected throughout
        run("stall-a:", 64L << 20, true);
    }

    @Test
    void aClientThatStopsReadingIsCutOffWhenItsBufferOverflows() throws Exception {
        run("stall-b:", 256 << 10, false);
    }

    private static void run(String prefix, long allowance, boolean stalledStaysOpen) throws Exception {
        EdgeSettings settings = EdgeSettings.fromEnv(Map.of("REDIS_URL", Infra.redis().url(), "SSE_REDIS_PREFIX", prefix,
                "SSE_HTTP_PORT", "0", "SSE_JWT_SECRET", TOKENS.secret(), "SSE_WRITER_THREADS", "1",
                "SSE_CLIENT_BUFFER_BYTES", String.valueOf(allowance), "SSE_CLIENT_QUEUE_MAX", "100000"));
        try (EdgeApp edge = EdgeApp.start(settings);
             FakeTopology topology = new FakeTopology(settings.redis().url(), settings.redis().keys(), 10_000)) {
            topology.writePadded("busy", 1, 10);
            String path = "/api/v1/events/executions/busy?token=" + TOKENS.user("alice", Duration.ofHours(1));
            URI uri = URI.create("http://127.0.0.1:" + edge.port() + path);
            // a small receive window, and after the first event no more reading for longer than the test runs
            try (SseClient stalled = SseClient.to(uri).receiveBuffer(4096).stallAfter(1, Duration.ofMinutes(10)).once().start();
                 SseClient fast = SseClient.to(uri).once().start()) {
                assertEquals(1, stalled.await(1, Duration.ofSeconds(10)).size(), "the stalled client got its first event, then stops reading");
                fast.await(1, Duration.ofSeconds(10));

                int events = 3_000; // ~6 MB: more than the stalled socket's buffers and its 256 KiB allowance
                for (int seq = 2; seq <= events; seq++) {
                    topology.writePadded("busy", seq, 2_000);
                }
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (fast.events().size() < events && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                List<Long> expected = LongStream.rangeClosed(2, events).boxed().toList();
                assertEquals(expected, fast.events().stream().skip(1).map(f -> Long.parseLong(f.id())).toList(),
                        "the reading client got every event while the other stalled");
                if (stalledStaysOpen) {
                    assertEquals(2, edge.openStreams(), "... and got them while the stalled one was still connected");
                    return;
                }
                deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (edge.openStreams() > 1 && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertEquals(1, edge.openStreams(), "the stalled client was disconnected");
            }
        }
    }
}
