package io.sserouter.edge;

import io.sserouter.testkit.Tokens;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sserouter.testkit.Infra;
import io.sserouter.testkit.sse.SseClient;
import io.sserouter.testkit.sse.SseEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code GET /api/v1/events/executions?id=…}: a chosen set of executions on one stream, with a real Redis. */
class ExecutionSetStreamTest {
    static final Tokens TOKENS = Tokens.hs256();
    static final Duration WAIT = Duration.ofSeconds(15);
    private static EdgeApp edge;
    private static FakeTopology topology;

    static EdgeSettings settings(String prefix, String... more) {
        Map<String, String> vars = new HashMap<>(Map.of("REDIS_URL", Infra.redis().url(), "SSE_REDIS_PREFIX", prefix,
                "SSE_HTTP_PORT", "0", "SSE_JWT_SECRET", TOKENS.secret(), "SSE_HEARTBEAT_SECONDS", "1",
                "SSE_CLOSE_LINGER_MS", "200", "SSE_RETRY_MS", "100", "SSE_FIRST_EVENT_WAIT_SECONDS", "2"));
        for (int i = 0; i < more.length; i += 2) {
            vars.put(more[i], more[i + 1]);
        }
        return EdgeSettings.fromEnv(vars);
    }

    @BeforeAll
    static void start() {
        EdgeSettings settings = settings("set:");
        edge = EdgeApp.start(settings);
        topology = new FakeTopology(settings.redis().url(), settings.redis().keys(), 100);
    }

    @AfterAll
    static void stop() {
        edge.close();
        topology.close();
    }

    static String path(String... ids) {
        return "/api/v1/events/executions?id=" + String.join("&id=", ids);
    }

    static SseClient follow(int port, String token, String... ids) {
        return SseClient.to(java.net.URI.create("http://127.0.0.1:" + port + path(ids))).bearer(token)
                .retry(Duration.ofMillis(100)).start(Duration.ofSeconds(60));
    }

    /** The seqs each execution's own events arrived with, in arrival order (control events left out). */
    static Map<String, List<Long>> seqsByExecution(List<SseEvent> events) {
        Map<String, List<Long>> seqs = new LinkedHashMap<>();
        for (SseEvent event : events) {
            if (!List.of("status", "replay_gap", "error", "shutdown").contains(event.event())) {
                JsonNode json = event.json();
                seqs.computeIfAbsent(json.get("execution_id").asText(), id -> new ArrayList<>()).add(json.get("seq").asLong());
            }
        }
        return seqs;
    }

    static List<Long> range(long from, long to) {
        return LongStream.rangeClosed(from, to).boxed().toList();
    }

    @Test
    void aFreshConnectGetsAStatusPerExecutionThenLiveEventsUnderACompositeId() throws Exception {
        topology.writeAll("f-a", 2, false);
        topology.writeAll("f-b", 1, false);
        try (SseClient client = follow(edge.port(), TOKENS.user("alice", Duration.ofMinutes(10)), "f-a", "f-b")) {
            List<SseEvent> events = client.await(2, WAIT);
            assertEquals(List.of("status", "status"), events.stream().map(SseEvent::event).toList());
            assertEquals("f-a", events.get(0).json().get("execution_id").asText());
            assertEquals(2, events.get(0).json().get("last_seq").asLong());
            assertEquals("2.", events.get(0).id(), "f-b's position is empty until its status: a resume starts it fresh");
            assertEquals("f-b", events.get(1).json().get("execution_id").asText());
            assertEquals("2.1", events.get(1).id());

            topology.write("f-a", 3, "pod_running", "alice", false);
            client.await(3, WAIT);
            topology.write("f-b", 2, "pod_running", "alice", false);
            events = client.await(4, WAIT);
            assertEquals(new SseEvent("3.1", "pod_running", FakeTopology.envelope("f-a", 3, "pod_running"), "3.1", 0),
                    withoutTime(events.get(2)), "an execution event keeps its envelope and its name");
            assertEquals(new SseEvent("3.2", "pod_running", FakeTopology.envelope("f-b", 2, "pod_running"), "3.2", 0),
                    withoutTime(events.get(3)));
            assertEquals(List.of(200), client.statuses());
        }
    }

    static SseEvent withoutTime(SseEvent event) {
        return new SseEvent(event.id(), event.event(), event.data(), event.lastEventId(), 0);
    }

    @Test
    void aClientCutMidStreamResumesEveryExecutionExactlyOnceOnAnotherInstance() throws Exception {
        EdgeSettings settings = settings("set-ab:");
        int perExecution = 40;
        try (EdgeApp a = EdgeApp.start(settings); EdgeApp b = EdgeApp.start(settings);
             FakeTopology writer = new FakeTopology(settings.redis().url(), settings.redis().keys(), 1000);
             SwitchingProxy balancer = new SwitchingProxy(a.port());
             SseClient client = follow(balancer.port(), TOKENS.user("alice", Duration.ofMinutes(10)), "r-1", "r-2", "r-3")) {
            assertTrue(client.awaitConnection(1, WAIT));
            Thread producer = new Thread(() -> {
                for (int seq = 1; seq <= perExecution; seq++) {
                    for (String id : List.of("r-1", "r-2", "r-3")) {
                        boolean last = seq == perExecution;
                        writer.write(id, seq, last ? "result_stored" : "pod_running", "alice", last);
                        sleep(3);
                    }
                }
            });
            producer.start();
            client.await(30, WAIT);
            balancer.switchTo(b.port()); // cut mid-stream: the client reconnects to the same URL, landing on B
            int beforeCut = client.events().size();
            producer.join();
            List<SseEvent> events = client.await(3 * perExecution, WAIT);
            Thread.sleep(1_000); // the stream ends after the closes, and the client reconnects: nothing may repeat

            assertTrue(beforeCut < 3 * perExecution, "the cut came mid-stream: " + beforeCut);
            assertTrue(balancer.connections() >= 2 && client.statuses().size() >= 2, "the client reconnected");
            events = client.events();
            Map<String, List<Long>> seqs = seqsByExecution(events);
            for (String id : List.of("r-1", "r-2", "r-3")) {
                assertEquals(range(1, perExecution), seqs.get(id), id + ": every event once, in order, from seq 1");
            }
            assertEquals(3 * perExecution, events.size(), "nothing but the executions' events: " + events);
            assertEquals("40.40.40", events.get(events.size() - 1).id());
        }
    }

    @Test
    void aDrainingInstanceSendsTheSetElsewhereGzippedAndWithoutLosingAnEvent() throws Exception {
        EdgeSettings settings = settings("set-drain:", "SSE_SHUTDOWN_GRACE_SECONDS", "1");
        try (EdgeApp a = EdgeApp.start(settings); EdgeApp b = EdgeApp.start(settings);
             FakeTopology writer = new FakeTopology(settings.redis().url(), settings.redis().keys(), 1000);
             SwitchingProxy balancer = new SwitchingProxy(a.port())) {
            writer.writeAll("d-1", 5, false);
            writer.writeAll("d-2", 5, false);
            SseClient client = SseClient.to(java.net.URI.create("http://127.0.0.1:" + balancer.port() + path("d-1", "d-2")))
                    .bearer(TOKENS.user("alice", Duration.ofMinutes(10))).header("Accept-Encoding", "gzip").start();
            try (client) {
                assertEquals("5.5", client.await(2, WAIT).get(1).id());
                assertEquals("gzip", client.header("Content-Encoding").orElse(""), "the set stream is compressed like any other");
                balancer.routeNewTo(b.port()); // the load balancer takes A out
                Thread drain = new Thread(a::shutdown);
                drain.start();
                SseEvent shutdown = client.awaitEvent(e -> e.event().equals("shutdown"), WAIT).orElseThrow();
                assertEquals(null, shutdown.id(), "the notice moves no execution's position");
                for (int seq = 6; seq <= 8; seq++) {
                    writer.write("d-1", seq, "pod_running", "alice", false);
                    writer.write("d-2", seq, "pod_running", "alice", false);
                }
                assertTrue(client.awaitEvent(e -> "8.8".equals(e.id()), WAIT).isPresent(), "resumed on B: " + client.events());
                drain.join();
                Thread.sleep(300);
                Map<String, List<Long>> seqs = seqsByExecution(client.events());
                assertEquals(Map.of("d-1", range(6, 8), "d-2", range(6, 8)), seqs, "every event once, in order");
                assertEquals(List.of(200, 200), client.statuses());
                assertEquals(2, client.events().stream().filter(e -> e.event().equals("status")).count(), "no snapshot again on resume");
            }
        }
    }

    @Test
    void anExecutionWhoseLogWasTrimmedGetsAReplayGapWhileTheOthersReplay() throws Exception {
        EdgeSettings settings = settings("set:");
        try (FakeTopology trimming = new FakeTopology(settings.redis().url(), settings.redis().keys(), 5)) {
            trimming.writeAll("g-trim", 20, false); // only 16..20 retained
            topology.writeAll("g-full", 20, false);
            SseClient client = SseClient.to(java.net.URI.create("http://127.0.0.1:" + edge.port() + path("g-trim", "g-full")
                    + "&token=" + TOKENS.user("alice", Duration.ofMinutes(10)))).lastEventId("3.3").resumeByQuery().retry(Duration.ofMillis(100)).start();
            try (client) {
                List<SseEvent> events = client.await(1 + 5 + 17, WAIT);
                SseEvent gap = events.stream().filter(e -> e.event().equals("replay_gap")).findFirst().orElseThrow();
                assertEquals("g-trim", gap.json().get("execution_id").asText());
                assertEquals(3, gap.json().get("last_event_id").asLong());
                assertEquals(16, gap.json().get("first_retained_seq").asLong());
                assertEquals(20, gap.json().get("snapshot").get("last_seq").asLong());
                assertEquals("15.3", gap.id(), "the gap moves g-trim's position to just before what is retained");
                Map<String, List<Long>> seqs = seqsByExecution(events);
                assertEquals(range(16, 20), seqs.get("g-trim"));
                assertEquals(range(4, 20), seqs.get("g-full"));
                assertEquals(1, events.stream().filter(e -> e.event().equals("replay_gap")).count());
                assertEquals("20.20", events.get(events.size() - 1).id());
            }
        }
    }

    @Test
    void anExecutionOfAnotherUserLeavesTheSetWithAnErrorWhileTheOthersStream() throws Exception {
        topology.write("o-bob", 1, "pod_running", "bob", false);
        topology.writeAll("o-alice", 1, false);
        try (SseClient client = follow(edge.port(), TOKENS.user("alice", Duration.ofMinutes(10)), "o-bob", "o-alice")) {
            List<SseEvent> events = client.await(2, WAIT);
            assertEquals("error", events.get(0).event());
            assertEquals("forbidden", events.get(0).json().get("reason").asText());
            assertEquals("o-bob", events.get(0).json().get("execution_id").asText());
            assertEquals("status", events.get(1).event());
            topology.write("o-bob", 2, "pod_running", "bob", false);
            topology.write("o-alice", 2, "pod_running", "alice", false);
            events = client.await(3, WAIT);
            Thread.sleep(300);
            assertEquals(Map.of("o-alice", List.of(2L)), seqsByExecution(client.events()), "nothing of bob's execution");
            assertTrue(client.connected(), "alice's execution goes on");
        }
        ExecutionSetStreamBadRequestTest.Response refused = ExecutionSetStreamBadRequestTest.get(edge.port(),
                path("o-bob") + "&token=" + TOKENS.user("alice", Duration.ofMinutes(10)), null);
        assertEquals(403, refused.status(), "no execution of the set is the caller's, and that is known at admission");
        assertEquals("forbidden", refused.json().get("error").asText());
    }

    @Test
    void anExecutionWaitingForItsFirstEventRelaysFromSeqOneAndOneThatNeverStartsIsNotFound() throws Exception {
        topology.writeAll("w-old", 4, false);
        try (SseClient client = follow(edge.port(), TOKENS.user("alice", Duration.ofMinutes(10)), "w-new", "w-old", "w-never")) {
            assertEquals("status", client.await(1, WAIT).get(0).event());
            // w-new waits (position 0: a resume relays it from seq 1); w-never has not started when w-old's status goes out
            assertEquals("0.4.", client.events().get(0).id());
            Thread.sleep(300);
            topology.writeAll("w-new", 3, false);
            List<SseEvent> events = client.await(4, WAIT);
            assertEquals(Map.of("w-new", range(1, 3)), seqsByExecution(events));
            SseEvent notFound = client.awaitEvent(e -> e.event().equals("error"), WAIT).orElseThrow();
            assertEquals("not_found", notFound.json().get("reason").asText());
            assertEquals("w-never", notFound.json().get("execution_id").asText());
            topology.write("w-old", 5, "pod_running", "alice", false);
            SseEvent live = client.awaitEvent(e -> e.id() != null && e.id().equals("3.5.0"), WAIT).orElseThrow();
            assertEquals("w-old", live.json().get("execution_id").asText(), "the others go on after the wait");
        }
    }

    @Test
    void theStreamEndsOnceEveryExecutionHasClosed() throws Exception {
        topology.writeAll("e-done", 2, true);
        topology.writeAll("e-open", 1, false);
        SseClient client = SseClient.to(java.net.URI.create("http://127.0.0.1:" + edge.port() + path("e-done", "e-open")))
                .bearer(TOKENS.user("alice", Duration.ofMinutes(10))).once().start();
        try (client) {
            client.await(2, WAIT);
            Thread.sleep(600); // three lingers: e-done has left the set
            assertTrue(client.connected(), "the stream goes on while one execution is open");
            assertFalse(client.finished());
            topology.write("e-open", 2, "result_stored", "alice", true);
            assertTrue(client.awaitEnd(WAIT), "the stream ends after the last close and its linger");
            assertEquals(List.of("status", "status", "result_stored"), client.events().stream().map(SseEvent::event).toList());
        }
    }

    @Test
    void aSetIsOneStreamForThePerUserLimit() throws Exception {
        EdgeSettings settings = settings("set-lim:", "SSE_MAX_CONNECTIONS_PER_USER", "2");
        try (EdgeApp limited = EdgeApp.start(settings);
             SseClient set = follow(limited.port(), TOKENS.user("limo", Duration.ofMinutes(10)), "l-1", "l-2", "l-3", "l-4", "l-5")) {
            assertTrue(set.awaitConnection(1, WAIT));
            try (SseClient single = SseClient.to(java.net.URI.create("http://127.0.0.1:" + limited.port() + "/api/v1/events/executions/l-6"))
                    .bearer(TOKENS.user("limo", Duration.ofMinutes(10))).retry(Duration.ofMillis(100)).start()) {
                assertTrue(single.awaitConnection(1, WAIT));
                Thread.sleep(500);
                assertEquals(2, limited.openStreams(), "a set of five and a single stream: two streams");
                assertTrue(set.events().isEmpty(), "neither is over the limit: " + set.events());
                try (SseClient third = follow(limited.port(), TOKENS.user("limo", Duration.ofMinutes(10)), "l-7")) {
                    SseEvent evicted = set.awaitEvent(e -> e.event().equals("error"), WAIT).orElseThrow();
                    assertEquals("connection_limit", evicted.json().get("reason").asText(), "the set was the oldest");
                    assertTrue(third.awaitConnection(1, WAIT));
                }
            }
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
