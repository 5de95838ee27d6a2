package io.sserouter.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sserouter.testkit.Infra;
import io.sserouter.testkit.Tokens;
import io.sserouter.testkit.sse.SseClient;
import io.sserouter.testkit.sse.SseEvent;
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

    @Test
    void aClientThatPausesGetsItsBacklogWholeAndInOrderWhenItReadsAgain() throws Exception {
        EdgeSettings settings = EdgeSettings.fromEnv(Map.of("REDIS_URL", Infra.redis().url(), "SSE_REDIS_PREFIX", "stall-c:",
                "SSE_HTTP_PORT", "0", "SSE_JWT_SECRET", TOKENS.secret(), "SSE_CLIENT_BUFFER_BYTES", String.valueOf(64L << 20)));
        try (EdgeApp edge = EdgeApp.start(settings);
             FakeTopology topology = new FakeTopology(settings.redis().url(), settings.redis().keys(), 10_000)) {
            topology.writePadded("paused", 1, 10);
            URI uri = URI.create("http://127.0.0.1:" + edge.port() + "/api/v1/events/executions/paused?token="
                    + TOKENS.user("alice", Duration.ofHours(1)));
            try (SseClient paused = SseClient.to(uri).receiveBuffer(4096).stallAfter(1, Duration.ofSeconds(3)).once().start()) {
                assertEquals(1, paused.await(1, Duration.ofSeconds(10)).size());
                int events = 800; // ~2.8 MB of frames of different sizes: more than the socket buffers, so they queue in the edge
                for (int seq = 2; seq <= events; seq++) {
                    topology.writePadded("paused", seq, 1_000 + (int) (seq * 37 % 5_000));
                }
                List<SseEvent> received = paused.await(events, Duration.ofSeconds(60));
                assertEquals(LongStream.rangeClosed(1, events).boxed().toList(), received.stream().map(f -> Long.parseLong(f.id())).toList(),
                        "every event once, in order, after the pause");
                for (SseEvent event : received.subList(1, received.size())) {
                    long seq = Long.parseLong(event.id());
                    assertTrue(event.data().startsWith("{\"execution_id\":\"paused\",\"seq\":" + seq + ","), "event " + seq + " intact");
                    assertTrue(event.data().endsWith("x".repeat(1_000 + (int) (seq * 37 % 5_000)) + "\"}}"), "event " + seq + " whole");
                }
            }
        }
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
