package io.sserouter.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.sserouter.contract.Json;
import io.sserouter.contract.RedisKeys;
import io.sserouter.edge.EdgeApp;
import io.sserouter.edge.EdgeSettings;
import io.sserouter.system.local.DemoProducer;
import io.sserouter.testkit.ExecutionScenario;
import io.sserouter.testkit.FreePorts;
import io.sserouter.testkit.Infra;
import io.sserouter.testkit.RunEnv;
import io.sserouter.testkit.Tokens;
import io.sserouter.topology.TopologyApp;
import io.sserouter.topology.TopologySettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.resps.StreamEntry;

/**
 * The demo page in a real headless Chromium, against the real thing: broker, topology, Redis, the edge and the demo
 * producer, in both of its modes. By default it follows every execution of its user on one user stream, more at
 * once than the per-execution mode's cap; with {@code ?mode=executions} it learns of executions from its user's
 * notifications and streams each on its own (at most 4 at once, the rest queued). Either way it keeps streaming
 * across an edge restart through the browser's own EventSource reconnect and across a graceful edge stop (event:
 * shutdown, then the page's own resume from its position), and in the end has rendered exactly the seqs Redis holds
 * for every execution, each once, with its terminal status; an event type the page has never heard of renders too,
 * and in the executions mode so does a straggler after the stream ended.
 */
class DemoPageBrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path ARTIFACTS = Path.of("target", "browser");
    private static final Tokens TOKENS = Tokens.hs256();
    private static final String RUN = "page-";
    /** The user-stream test's own topics and keys: its user's log and recent executions start empty. */
    private static final String USER_RUN = "page-user-";
    /** The user's log length in that test; each execution's own log keeps 100 events. */
    private static final int USER_LOG = 80;
    /** Selenium warns that it has no DevTools binding for this Chromium version; this test needs none. */
    private static final java.util.logging.Logger SELENIUM_LOG = java.util.logging.Logger.getLogger("org.openqa.selenium");

    static {
        SELENIUM_LOG.setLevel(java.util.logging.Level.SEVERE);
    }

    @Test
    void pageFollowsEveryExecutionOfItsUserOnOneStreamAcrossAnEdgeRestartAndDrainWithNothingLostOrRepeated() throws Exception {
        Map<String, String> env = env(USER_RUN);
        env.put("SSE_USER_BUFFER_MAX_EVENTS", String.valueOf(USER_LOG)); // shorter than an execution's log: a burst outlives it
        Map<String, String> edgeEnv = edgeEnv(env);
        List<String> ids = new ArrayList<>();

        try (TopologyApp topology = TopologyApp.start(TopologySettings.fromEnv(env));
             DemoProducer demo = new DemoProducer(Infra.kafka().bootstrapServers(), USER_RUN, List.of("alice"));
             Browser browser = Browser.start()) {
            assertTrue(topology.awaitRunning(Duration.ofSeconds(60)), "topology did not start");
            EdgeApp edge = EdgeApp.start(EdgeSettings.fromEnv(edgeEnv));
            try {
                String page = "http://127.0.0.1:" + edge.port() + "/";
                browser.driver.get(page + "?token=" + TOKENS.user("alice", Duration.ofMinutes(10)));
                browser.await("the user stream is live", s -> s.path("mode").asText().equals("user")
                        && s.path("connection").asText().equals("live"), 20);

                // eight executions within a second, twice the executions mode's cap, all followed at once
                for (int i = 0; i < 8; i++) {
                    ids.add(demo.startExecution());
                    Thread.sleep(100);
                }
                JsonNode before = browser.await("events render for all eight executions", s -> ids.stream()
                        .allMatch(id -> s.path("executions").path(id).path("seqs").size() >= 2), 30);
                assertTrue(before.path("totals").path("maxConcurrent").asInt() >= 8,
                        "the eight executions were followed at once: " + before.path("totals"));
                assertEquals(1, before.path("userStream").path("opens").asInt(), "on one stream: " + before.path("userStream"));
                browser.screenshot("demo-page-user-stream.png");
                List<String> unfinished = streaming(before);
                assertFalse(unfinished.isEmpty(), "some execution must still be streaming when the edge restarts: " + before);

                step("edge restart");
                edge.close(); // the stream ends; the browser reconnects with Last-Event-ID after the server's retry: delay
                // started while no edge runs: nobody hears of it live, and the resumed stream brings it from the user's log
                ids.add(demo.startExecution());
                Thread.sleep(500);
                JsonNode atRestart = browser.stats();
                edge = EdgeApp.start(EdgeSettings.fromEnv(edgeEnv));
                JsonNode resumed = browser.await("the user stream resumes", s -> s.path("connection").asText().equals("live")
                        && s.path("userStream").path("resumes").asInt() >= 1, 20);
                assertEquals(1, resumed.path("userStream").path("opens").asInt(),
                        "resumed through the browser's own EventSource reconnect (Last-Event-ID), not a new EventSource: " + resumed.path("userStream"));
                for (int i = 0; i < 3; i++) { // started after the restart: on the same stream too
                    ids.add(demo.startExecution());
                    Thread.sleep(150);
                }
                JsonNode beforeDrain = browser.await("an execution started after the restart streams", s -> streaming(s).stream()
                        .anyMatch(id -> ids.indexOf(id) >= 9 && s.path("executions").path(id).path("seqs").size() >= 2), 30);

                // graceful stop: the stream is told (event: shutdown) to reconnect after its delay; while the only
                // instance drains, the page's reconnects get 503 and it reopens from its position until the new edge is up
                step("graceful edge stop");
                edge.shutdown();
                step("edge stopped");
                ids.add(demo.startExecution()); // started while no edge runs, again
                JsonNode afterDrain = browser.stats();
                edge = EdgeApp.start(EdgeSettings.fromEnv(edgeEnv));
                JsonNode after;
                List<String> cutByRestart;
                List<String> cut;
                try (Jedis redis = new Jedis(URI.create(Infra.redis().url()))) {
                    RedisKeys keys = new RedisKeys(USER_RUN);
                    after = browser.await("every execution finished on the page, up to the last seq Redis holds", s -> {
                        for (String id : ids) {
                            JsonNode ex = s.path("executions").path(id);
                            String status = redis.get(keys.execStatus(id));
                            if (!ex.path("state").asText().equals("done") || status == null
                                    || ex.path("maxSeq").asLong() < Json.read(status, JsonNode.class).path("last_seq").asLong()) {
                                return false;
                            }
                        }
                        return true;
                    }, 60);
                    browser.screenshot("demo-page-user-stream-after-restart.png");
                    assertRendersWhatRedisHolds(browser, after, ids, redis, USER_RUN);
                    // those the page had not shown whole when the stream was cut: the rest came after the cut
                    cutByRestart = cutShort(atRestart, unfinished, redis, keys);
                    cut = cutShort(afterDrain, streaming(beforeDrain), redis, keys);
                }
                assertFalse(cutByRestart.isEmpty(), "the restart cut some execution short: " + atRestart);
                JsonNode stream = after.path("userStream");
                assertTrue(stream.path("resumes").asInt() >= 2 && stream.path("opens").asInt() >= 2,
                        "resumed after the restart, and on a new EventSource after the drain: " + stream);
                // the rest came on the resumed stream, or (for one that had ended) from a look at its snapshot right before
                for (String id : cutByRestart) {
                    JsonNode ex = after.path("executions").path(id);
                    assertTrue(ex.path("resumes").asInt() + ex.path("catchUps").asInt() >= 1,
                            id + " was shown in part when the edge restarted, so the rest came after the cut: " + ex);
                }
                for (String id : cut) {
                    JsonNode ex = after.path("executions").path(id);
                    assertTrue(ex.path("resumes").asInt() + ex.path("catchUps").asInt() >= 1,
                            id + " was shown in part when the drained edge closed the stream, so the rest came after the cut: " + ex);
                }
                assertTrue(after.path("totals").path("notifications").asInt() >= 1, "notifications arrive on the same stream: " + after.path("totals"));
                assertTrue(browser.driver.findElements(By.cssSelector("#notifications li .n-kind")).stream()
                        .anyMatch(e -> e.getText().equals("execution started")), "the notifications list shows them");
                assertEquals(0, after.path("queued").asInt(), "nothing waits for a stream: " + after);
                assertEquals(0, after.path("warnings").size(), "the page warned of a gap or a repeat: " + after.path("warnings"));
                assertTrue(browser.driver.findElement(By.id("warning")).getAttribute("hidden") != null, "no warning banner is shown");

                step("a burst longer than the user's log while the page is away");
                edge.close();
                String burst = writeABurstLongerThanTheUsersLog(browser, demo);
                edge = EdgeApp.start(EdgeSettings.fromEnv(edgeEnv));
                JsonNode afterGap = browser.await(burst + " renders whole", s -> s.path("executions").path(burst).path("state").asText().equals("done"), 30);
                assertTrue(afterGap.path("userStream").path("replayGaps").asInt() > stream.path("replayGaps").asInt(),
                        "the page's position was older than the user's log retains: " + afterGap.path("userStream"));
                try (Jedis redis = new Jedis(URI.create(Infra.redis().url()))) {
                    assertRendersWhatRedisHolds(browser, afterGap, List.of(burst), redis, USER_RUN);
                }
                assertEquals(0, afterGap.path("warnings").size(), "the page warned of a gap or a repeat: " + afterGap.path("warnings"));

                step("an event type the page has never heard of");
                assertRendersEventTypesThePageHasNeverHeardOf(browser, demo, USER_RUN);
            } finally {
                edge.close();
            }
        }
    }

    @Test
    void pageFollowsExecutionsLiveAndResumesAcrossAnEdgeRestartWithNothingLostOrRepeated() throws Exception {
        Map<String, String> env = env(RUN);
        Map<String, String> edgeEnv = edgeEnv(env);
        List<String> ids = new ArrayList<>();

        try (TopologyApp topology = TopologyApp.start(TopologySettings.fromEnv(env));
             DemoProducer demo = new DemoProducer(Infra.kafka().bootstrapServers(), RUN, List.of("alice"));
             Browser browser = Browser.start()) {
            assertTrue(topology.awaitRunning(Duration.ofSeconds(60)), "topology did not start");
            EdgeApp edge = EdgeApp.start(EdgeSettings.fromEnv(edgeEnv));
            try {
                String page = "http://127.0.0.1:" + edge.port() + "/";
                assertStaticFiles(page);
                browser.driver.get(page + "?mode=executions&token=" + TOKENS.user("alice", Duration.ofMinutes(10)));
                browser.await("the notifications stream is live", s -> s.path("mode").asText().equals("executions")
                        && s.path("connection").asText().equals("live"), 20);

                // six executions within a second: four get a stream, two wait for a free one
                for (int i = 0; i < 6; i++) {
                    ids.add(demo.startExecution());
                    Thread.sleep(150);
                }
                JsonNode before = browser.await("events render for several executions",
                        s -> s.path("totals").path("executions").asInt() == 6 && s.path("totals").path("events").asInt() >= 12, 30);
                assertTrue(browser.driver.findElements(By.cssSelector("#cards .exec .events li")).size() >= 12, "event rows are on the page");
                browser.screenshot("demo-page.png");
                List<String> unfinished = streaming(before);
                assertFalse(unfinished.isEmpty(), "some execution must still be streaming when the edge restarts: " + before);

                step("edge restart");
                edge.close(); // every open stream ends; the browser reconnects after the server's retry: delay
                // started while no edge runs: its notification reaches nobody, so the page must find it in
                // /api/v1/executions when it reconnects (assertRendersWhatRedisHolds fails for an id it never learned of)
                ids.add(demo.startExecution());
                Thread.sleep(500);
                // those whose closing event had reached the page before the close have nothing to resume
                JsonNode atRestart = browser.stats();
                List<String> cutByRestart = unfinished.stream()
                        .filter(id -> !atRestart.path("executions").path(id).path("closedSeen").asBoolean()).toList();
                edge = EdgeApp.start(EdgeSettings.fromEnv(edgeEnv));
                browser.await("the notifications stream reconnects", s -> s.path("connection").asText().equals("live")
                        && s.path("totals").path("notificationReconnects").asInt() >= 1, 20);
                for (int i = 0; i < 3; i++) { // announced after the restart: the page learns of them too
                    ids.add(demo.startExecution());
                    Thread.sleep(150);
                }
                JsonNode beforeDrain = browser.await("an execution announced after the restart streams", s -> streaming(s).stream()
                        .anyMatch(id -> ids.indexOf(id) >= 6 && s.path("executions").path(id).path("seqs").size() >= 2), 30);
                List<String> drained = streaming(beforeDrain);

                // graceful stop: each stream is told (event: shutdown) to reconnect after its own delay; while the
                // only instance drains, the page's reconnects get 503 and it retries until the new edge is up
                step("graceful edge stop");
                edge.shutdown();
                step("edge stopped");
                // every stream is closed now; those whose execution had not finished by then must resume
                JsonNode afterDrain = browser.stats();
                List<String> cut = drained.stream()
                        .filter(id -> !afterDrain.path("executions").path(id).path("closedSeen").asBoolean()).toList();
                edge = EdgeApp.start(EdgeSettings.fromEnv(edgeEnv));
                JsonNode after = browser.await("every execution finished on the page", s -> {
                    if (s.path("totals").path("executions").asInt() < ids.size()) {
                        return false;
                    }
                    for (JsonNode ex : s.path("executions")) {
                        if (!ex.path("state").asText().equals("done")) {
                            return false;
                        }
                    }
                    return true;
                }, 40);
                browser.screenshot("demo-page-after-restart.png");

                try (Jedis redis = new Jedis(URI.create(Infra.redis().url()))) {
                    assertRendersWhatRedisHolds(browser, after, ids, redis, RUN);
                }
                for (String id : cutByRestart) {
                    JsonNode ex = after.path("executions").path(id);
                    assertTrue(ex.path("resumes").asInt() >= 1, id + " was streaming when the edge restarted, so its stream resumed: " + ex);
                    if (!drained.contains(id)) {
                        assertEquals(1, ex.path("opens").asInt(),
                                id + " resumed through the browser's own EventSource reconnect (Last-Event-ID), not a new EventSource: " + ex);
                    }
                }
                for (String id : cut) { // streams keep relaying during the grace period, so some finish before the end
                    JsonNode ex = after.path("executions").path(id);
                    assertTrue(ex.path("resumes").asInt() >= 1, id + " was unfinished when the drained edge closed its stream, so it resumed: " + ex);
                }
                browser.await("the notifications stream is back after the graceful stop", s -> s.path("connection").asText().equals("live")
                        && s.path("totals").path("notificationReconnects").asInt() >= 2, 20);
                assertEquals(4, after.path("totals").path("maxConcurrent").asInt(), "at most 4 execution streams at once, and the cap was reached");
                assertTrue(ids.stream().anyMatch(id -> after.path("executions").path(id).path("waited").asBoolean()),
                        "with six executions at once some waited for a free stream: " + after);
                assertEquals(0, after.path("warnings").size(), "the page warned of a gap or a repeat: " + after.path("warnings"));
                assertTrue(browser.driver.findElement(By.id("warning")).getAttribute("hidden") != null, "no warning banner is shown");

                step("a straggler after the stream ended");
                assertRendersAStragglerThatLandsAfterItsStreamEnded(browser, demo);
                step("an event type the page has never heard of");
                assertRendersEventTypesThePageHasNeverHeardOf(browser, demo, RUN);
            } finally {
                edge.close();
            }
        }
    }

    /**
     * While no edge runs, one execution writes more events than the user's log keeps (but fewer than its own log
     * keeps): the page's position is gone when it reconnects, so the server sends a {@code replay_gap} with the
     * snapshot of that execution, and the page has to read its events from the execution's own log to lose none.
     * Returns the execution's id once Redis holds all of its events.
     */
    private static String writeABurstLongerThanTheUsersLog(Browser browser, DemoProducer demo) throws Exception {
        String id = "exec-burst-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        ExecutionScenario scenario = ExecutionScenario.builder().topicPrefix(USER_RUN).build();
        List<String> types = new ArrayList<>(List.of("execution_requested"));
        while (types.size() < USER_LOG + 13) {
            types.add("execution_running");
        }
        types.addAll(List.of("execution_completed", "result_stored"));
        for (int i = 0; i < types.size(); i++) { // one topic, so that seq order is the order sent
            demo.send(scenario.event(new ExecutionScenario.Step(ExecutionScenario.EXECUTION_EVENTS, types.get(i)), id, "alice", i + 1,
                    id + "-" + i, java.util.Map.of()));
        }
        RedisKeys keys = new RedisKeys(USER_RUN);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        try (Jedis redis = new Jedis(URI.create(Infra.redis().url()))) {
            while (true) {
                String status = redis.get(keys.execStatus(id));
                if (status != null && Json.read(status, JsonNode.class).path("last_seq").asLong() == types.size()) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    fail("the topology did not write " + id + "'s " + types.size() + " events within 30 s: " + status);
                }
                Thread.sleep(200);
            }
            assertEquals(USER_LOG, redis.xlen(keys.userLog("alice")), "the user's log is full");
        }
        assertFalse(browser.stats().path("executions").has(id), "the page has not heard of " + id + " yet");
        return id;
    }

    /**
     * An event of another topic may land after the closing event's stream has ended (after the server's linger, or
     * while the stream was cut or moved to another instance during it). The page looks at the snapshot again a little
     * later and fetches it by reopening after its last seq.
     */
    private static void assertRendersAStragglerThatLandsAfterItsStreamEnded(Browser browser, DemoProducer demo) throws Exception {
        String id = "exec-late-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        demo.announce(id, "alice");
        List<ExecutionScenario.Event> events = ExecutionScenario.builder().topicPrefix(RUN).accepted().straggler().build().events(id, "alice");
        List<ExecutionScenario.Event> lifecycle = events.subList(0, events.size() - 1);
        lifecycle.forEach(demo::send);
        browser.await(id + " ends and the page has looked at its snapshot once", s -> {
            JsonNode ex = s.path("executions").path(id);
            return ex.path("closedSeen").asBoolean() && ex.path("seqs").size() == lifecycle.size() && ex.path("settleLooks").asInt() >= 1;
        }, 30);
        demo.send(events.get(events.size() - 1)); // pod_terminated
        JsonNode ex = browser.await(id + "'s straggler renders", s -> s.path("executions").path(id).path("state").asText().equals("done"), 30)
                .path("executions").path(id);
        List<Long> seqs = new ArrayList<>();
        ex.path("seqs").forEach(n -> seqs.add(n.asLong()));
        assertEquals(LongStream.rangeClosed(1, lifecycle.size() + 1).boxed().toList(), seqs, "the straggler rendered after the stream ended: " + ex);
        assertTrue(ex.path("catchUps").asInt() >= 1, "fetched after the last seq once the stream had ended: " + ex);
        assertEquals("completed", ex.path("status").asText());
    }

    /**
     * Unknown types are relayed, and an EventSource hands a named event only to a listener for that name. The page
     * keeps no list of types: what it did not hear shows up as a jump in seq, and it reads the missing seqs from
     * {@code GET /api/v1/executions/{id}/events?after=N} and renders them in order, so every seq renders once and no
     * gap is shown.
     */
    private static void assertRendersEventTypesThePageHasNeverHeardOf(Browser browser, DemoProducer demo, String run) throws Exception {
        String id = "exec-custom-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        demo.announce(id, "alice");
        ExecutionScenario scenario = ExecutionScenario.builder().topicPrefix(run).build();
        List<ExecutionScenario.Step> lifecycle = java.util.stream.Stream.of("execution_requested", "custom_progress", "execution_started",
                "custom_progress", "custom_progress", "execution_completed", "result_stored")
                .map(type -> new ExecutionScenario.Step(ExecutionScenario.EXECUTION_EVENTS, type)).toList();
        for (int i = 0; i < lifecycle.size(); i++) { // one topic, so that seq order is the order sent
            demo.send(scenario.event(lifecycle.get(i), id, "alice", i + 1, id + "-" + i, java.util.Map.of()));
            Thread.sleep(100); // live, one after the other, as a running execution sends them
        }
        JsonNode ex = browser.await(id + " finishes on the page", s -> s.path("executions").path(id).path("state").asText().equals("done"), 30)
                .path("executions").path(id);
        List<Long> seqs = new ArrayList<>();
        ex.path("seqs").forEach(n -> seqs.add(n.asLong()));
        assertEquals(LongStream.rangeClosed(1, lifecycle.size()).boxed().toList(), seqs, "every seq rendered once, in order: " + ex);
        assertEquals(0, ex.path("gaps").asInt(), "no gap shown: " + ex);
        assertEquals(0, ex.path("duplicates").asInt(), "no repeat: " + ex);
        assertTrue(ex.path("fills").asInt() >= 1, "what the stream skipped was read from the events route: " + ex);
        assertEquals("completed", ex.path("status").asText());
        List<String> rendered = browser.driver.findElements(By.cssSelector(".exec[data-id='" + id + "'] .events li .type")).stream()
                .map(e -> e.getText()).toList();
        assertEquals(lifecycle.stream().map(ExecutionScenario.Step::eventType).toList(), rendered, "each event's row, in seq order");
        assertEquals(0, browser.stats().path("warnings").size(), "the page warned of a gap or a repeat: " + browser.stats().path("warnings"));
    }

    private static Map<String, String> env(String run) throws Exception {
        assertTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "this test drives Debian's /usr/bin/chromium and /usr/bin/chromedriver, and at least one is missing: run the"
                        + " tests with ./run-tests, which installs the packages chromium and chromium-driver where missing");
        Files.createDirectories(ARTIFACTS);
        Map<String, String> env = RunEnv.of(run);
        env.put("SSE_CONSUMER_POOL_SIZE", "1");
        return env;
    }

    private static Map<String, String> edgeEnv(Map<String, String> env) {
        Map<String, String> edgeEnv = new HashMap<>(env);
        edgeEnv.put("SSE_JWT_SECRET", TOKENS.secret());
        edgeEnv.put("SSE_HTTP_PORT", String.valueOf(FreePorts.any())); // the restarted edge takes the same port
        edgeEnv.put("SSE_SHUTDOWN_GRACE_SECONDS", "2");
        return edgeEnv;
    }

    /** Where the time goes, in the test's output file. */
    private static void step(String what) {
        System.out.println(java.time.LocalTime.now() + " " + what);
    }

    /** Of {@code ids}, those the page had rendered fewer seqs of at {@code then} than their Redis log ends with. */
    private static List<String> cutShort(JsonNode then, List<String> ids, Jedis redis, RedisKeys keys) {
        return ids.stream().filter(id -> then.path("executions").path(id).path("maxSeq").asLong()
                < Json.read(redis.get(keys.execStatus(id)), JsonNode.class).path("last_seq").asLong()).toList();
    }

    /** Executions being followed live whose closing event has not arrived yet. */
    private static List<String> streaming(JsonNode stats) {
        List<String> ids = new ArrayList<>();
        stats.path("executions").fields().forEachRemaining(e -> {
            if (e.getValue().path("state").asText().equals("streaming") && !e.getValue().path("closedSeen").asBoolean()) {
                ids.add(e.getKey());
            }
        });
        return ids;
    }

    /** Every execution's rendered seqs are exactly the seqs of its Redis log (1..last_seq), once each, with its final status. */
    private static void assertRendersWhatRedisHolds(Browser browser, JsonNode stats, List<String> ids, Jedis redis, String run) {
        RedisKeys keys = new RedisKeys(run);
        for (String id : ids) {
            JsonNode snapshot = Json.read(redis.get(keys.execStatus(id)), JsonNode.class);
            long lastSeq = snapshot.path("last_seq").asLong();
            List<Long> logged = redis.xrange(keys.execLog(id), (StreamEntryID) null, (StreamEntryID) null).stream()
                    .map(StreamEntry::getID).map(StreamEntryID::getTime).toList();
            assertEquals(LongStream.rangeClosed(1, lastSeq).boxed().toList(), logged, id + ": the log holds seqs 1..last_seq");
            JsonNode rendered = stats.path("executions").path(id);
            assertFalse(rendered.isMissingNode(), "the page never learned of " + id + ": " + stats);
            List<Long> seqs = new ArrayList<>();
            rendered.path("seqs").forEach(n -> seqs.add(n.asLong()));
            assertEquals(logged, seqs, id + ": the page rendered every logged event once: " + rendered);
            assertEquals(0, rendered.path("duplicates").asInt(), id + " repeats");
            assertEquals(0, rendered.path("gaps").asInt(), id + " gaps");
            String status = snapshot.path("status").asText();
            assertTrue(List.of("completed", "failed", "timeout", "cancelled").contains(status), id + " ended: " + snapshot);
            assertEquals(status, rendered.path("status").asText(), id + ": the page shows the final status");
            String card = browser.driver.findElement(By.cssSelector(".exec[data-id='" + id + "']")).getAttribute("data-status");
            assertEquals(status, card, id + ": the card is coloured by its final status");
        }
    }

    /** The page's files come with their content types and revalidation headers, without a token. */
    private static void assertStaticFiles(String base) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        Map<String, String> types = Map.of("", "text/html", "demo/demo.css", "text/css", "demo/demo.js", "text/javascript",
                "demo/execution-stream.js", "text/javascript", "demo/user-stream.js", "text/javascript", "demo/render.js", "text/javascript");
        for (Map.Entry<String, String> file : types.entrySet()) {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(base + file.getKey())).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), file.getKey());
            assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith(file.getValue()), file.getKey() + " " + response.headers());
            assertEquals("no-cache", response.headers().firstValue("Cache-Control").orElse(""), file.getKey());
            String etag = response.headers().firstValue("ETag").orElseThrow();
            HttpResponse<String> again = client.send(HttpRequest.newBuilder(URI.create(base + file.getKey())).header("If-None-Match", etag).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(304, again.statusCode(), file.getKey() + " revalidates");
        }
        HttpResponse<String> missing = client.send(HttpRequest.newBuilder(URI.create(base + "demo/secret.txt")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(404, missing.statusCode());
        assertEquals("not_found", Json.read(missing.body(), JsonNode.class).path("error").asText());
    }

    /** Headless Debian Chromium through Debian's chromedriver; nothing is downloaded. */
    private static final class Browser implements AutoCloseable {
        final ChromeDriver driver;
        private final Path profile;

        private Browser(ChromeDriver driver, Path profile) {
            this.driver = driver;
            this.profile = profile;
        }

        static Browser start() throws Exception {
            Path profile = Files.createTempDirectory("sse-router-chromium-");
            ChromeOptions options = new ChromeOptions();
            options.setBinary(CHROMIUM.toFile());
            options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--user-data-dir=" + profile, "--window-size=1440,1200");
            ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
            return new Browser(new ChromeDriver(service, options), profile);
        }

        JsonNode stats() {
            return Json.read((String) driver.executeScript("return JSON.stringify(window.sseDemo.stats())"), JsonNode.class);
        }

        JsonNode await(String what, Predicate<JsonNode> done, int seconds) throws Exception {
            step("waiting until " + what);
            long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
            JsonNode stats = stats();
            while (!done.test(stats)) {
                if (System.nanoTime() > deadline) {
                    screenshot("demo-page-failure.png");
                    fail("timed out after " + seconds + " s waiting until " + what + "; the page's stats: " + stats);
                }
                Thread.sleep(200);
                stats = stats();
            }
            return stats;
        }

        void screenshot(String name) throws Exception {
            Files.write(ARTIFACTS.resolve(name), driver.getScreenshotAs(OutputType.BYTES));
        }

        @Override
        public void close() throws Exception {
            driver.quit();
            try (var files = Files.walk(profile)) {
                Iterator<Path> it = files.sorted(java.util.Comparator.reverseOrder()).iterator();
                while (it.hasNext()) {
                    it.next().toFile().delete();
                }
            }
        }
    }
}
