package io.sserouter.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sserouter.contract.Json;
import io.sserouter.edge.EdgeApp;
import io.sserouter.edge.EdgeSettings;
import io.sserouter.testkit.ExecutionScenario;
import io.sserouter.testkit.Infra;
import io.sserouter.testkit.RunEnv;
import io.sserouter.testkit.Tokens;
import io.sserouter.testkit.sse.SseClient;
import io.sserouter.testkit.sse.SseEvent;
import io.sserouter.topology.TopologyApp;
import io.sserouter.topology.TopologySettings;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Producer → Kafka → topology → Redis → edge → SSE client, all real: a client that connects before the execution
 * exists, one that drops mid-way and resumes with Last-Event-ID, and one that arrives after the end.
 */
class FullPathTest {
    private static final Tokens TOKENS = Tokens.hs256();

    /** One connection, no reconnect: what it received when {@code stopAfter} events arrived, the stream ended, or time ran out. */
    static List<SseEvent> read(String url, String lastEventId, int stopAfter, Duration timeout) throws InterruptedException {
        try (SseClient client = SseClient.to(URI.create(url)).bearer(TOKENS.user("alice", Duration.ofMinutes(10)))
                .lastEventId(lastEventId).once().start(timeout)) {
            return client.await(stopAfter, timeout).stream().limit(stopAfter).toList();
        }
    }

    private static List<Long> ids(List<SseEvent> events) {
        return events.stream().map(e -> Long.parseLong(e.id())).toList();
    }

    @Test
    void eventsFlowFromKafkaToBrowsersExactlyOnceAcrossAResume() throws Exception {
        String run = "full-";
        Map<String, String> env = RunEnv.of(run);
        env.put("SSE_CONSUMER_POOL_SIZE", "1");
        env.put("SSE_JWT_SECRET", TOKENS.secret());
        ExecutionScenario scenario = ExecutionScenario.completed(run);
        List<ExecutionScenario.Event> lifecycle = scenario.events("e-full", "alice");
        int last = lifecycle.size();
        try (TopologyApp topology = TopologyApp.start(TopologySettings.fromEnv(env));
             EdgeApp edge = EdgeApp.start(EdgeSettings.fromEnv(env));
             KafkaProducer<String, byte[]> producer = producer()) {
            assertTrue(topology.awaitRunning(Duration.ofSeconds(60)));
            String url = "http://127.0.0.1:" + edge.port() + "/api/v1/events/executions/e-full";

            // connects before the execution exists: held until the first event, then relays every event live
            CompletableFuture<List<SseEvent>> early = CompletableFuture.supplyAsync(() -> {
                try {
                    return read(url, null, 100, Duration.ofSeconds(60));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(500);
            for (int step = 0; step < 4; step++) {
                producer.send(lifecycle.get(step).record()).get();
            }
            // a client that reads the first three events, then drops
            List<SseEvent> partial = read(url, "0", 3, Duration.ofSeconds(30));
            assertEquals(List.of(1L, 2L, 3L), ids(partial));
            for (int step = 4; step < last; step++) {
                producer.send(lifecycle.get(step).record()).get();
                Thread.sleep(50);
            }
            // ... and resumes: everything after 3, then the stream ends on result_stored
            List<SseEvent> resumed = read(url, "3", 100, Duration.ofSeconds(30));
            assertEquals(LongStream.rangeClosed(4, last).boxed().toList(), ids(resumed));
            assertEquals("result_stored", resumed.get(resumed.size() - 1).event());
            assertEquals("completed", Json.read(resumed.get(resumed.size() - 1).data(), JsonNode.class).get("status").asText());

            // the client that came first missed nothing: every event from seq 1, as the events themselves (a plain
            // EventSource has no listener that could turn a snapshot back into execution_requested and the rest)
            List<SseEvent> first = early.get(60, TimeUnit.SECONDS);
            assertEquals(LongStream.rangeClosed(1, last).boxed().toList(), ids(first),
                    "the early client sees every event once, from seq 1, then the end");
            assertEquals(lifecycle.stream().map(ExecutionScenario.Event::eventType).sorted().toList(),
                    first.stream().map(SseEvent::event).sorted().toList(), "each event under its own name, no snapshot in their place");

            // after the end: the snapshot, then the close
            List<SseEvent> late = read(url, null, 100, Duration.ofSeconds(10));
            assertEquals(List.of("status"), late.stream().map(SseEvent::event).toList());
            assertTrue(Json.read(late.get(0).data(), JsonNode.class).get("closed").asBoolean());
        }
    }

    private static KafkaProducer<String, byte[]> producer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, Infra.kafka().bootstrapServers());
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }
}
