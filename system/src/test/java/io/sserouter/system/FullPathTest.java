package io.sserouter.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sserouter.contract.Json;
import io.sserouter.edge.EdgeApp;
import io.sserouter.edge.EdgeSettings;
import io.sserouter.testkit.Infra;
import io.sserouter.testkit.RunEnv;
import io.sserouter.testkit.Tokens;
import io.sserouter.topology.TopologyApp;
import io.sserouter.topology.TopologySettings;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Producer → Kafka → topology → Redis → edge → SSE client, all real: a client that connects before the execution
 * exists, one that drops mid-way and resumes with Last-Event-ID, and one that arrives after the end.
 */
class FullPathTest {
    private static final String[][] LIFECYCLE = {
            {"execution_events", "execution_requested"}, {"execution_events", "execution_queued"},
            {"pod_events", "pod_created"}, {"pod_events", "pod_running"}, {"execution_events", "execution_started"},
            {"pod_events", "pod_succeeded"}, {"execution_events", "execution_completed"}, {"execution_results", "result_stored"}};

    record Event(long id, String type, String data) {
    }

    /** Reads an SSE response until it ends or {@code stopAfter} events arrived. */
    private static final Tokens TOKENS = Tokens.hs256();

    static List<Event> read(String url, String lastEventId, int stopAfter, Duration timeout) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/event-stream")
                .header("Authorization", "Bearer " + TOKENS.user("alice", Duration.ofMinutes(10)));
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        List<Event> events = new ArrayList<>();
        CompletableFuture<Void> done = CompletableFuture.runAsync(() -> {
            try {
                HttpResponse<java.io.InputStream> response = HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
                try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                    String line;
                    long id = -1;
                    String type = null;
                    while ((line = in.readLine()) != null) {
                        if (line.startsWith("id: ")) {
                            id = Long.parseLong(line.substring(4));
                        } else if (line.startsWith("event: ")) {
                            type = line.substring(7);
                        } else if (line.startsWith("data: ")) {
                            synchronized (events) {
                                events.add(new Event(id, type, line.substring(6)));
                                if (events.size() >= stopAfter) {
                                    return;
                                }
                            }
                        }
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            done.cancel(true);
        }
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    @Test
    void eventsFlowFromKafkaToBrowsersExactlyOnceAcrossAResume() throws Exception {
        String run = "full-";
        Map<String, String> env = RunEnv.of(run);
        env.put("SSE_CONSUMER_POOL_SIZE", "1");
        env.put("SSE_JWT_SECRET", TOKENS.secret());
        env.put("SSE_CLOSE_LINGER_MS", "300");
        try (TopologyApp topology = TopologyApp.start(TopologySettings.fromEnv(env));
             EdgeApp edge = EdgeApp.start(EdgeSettings.fromEnv(env));
             KafkaProducer<String, String> producer = producer()) {
            assertTrue(topology.awaitRunning(Duration.ofSeconds(60)));
            String url = "http://127.0.0.1:" + edge.port() + "/api/v1/events/executions/e-full";

            // connects before the execution exists: held, then gets the status and the rest live
            CompletableFuture<List<Event>> early = CompletableFuture.supplyAsync(() -> {
                try {
                    return read(url, null, 100, Duration.ofSeconds(60));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(500);
            for (int step = 0; step < 4; step++) {
                send(producer, run, step);
            }
            // a client that reads the first three events, then drops
            List<Event> partial = read(url, "0", 3, Duration.ofSeconds(30));
            assertEquals(List.of(1L, 2L, 3L), partial.stream().map(Event::id).toList());
            for (int step = 4; step < LIFECYCLE.length; step++) {
                send(producer, run, step);
                Thread.sleep(50);
            }
            // ... and resumes: everything after 3, then the stream ends on result_stored
            List<Event> resumed = read(url, "3", 100, Duration.ofSeconds(30));
            assertEquals(List.of(4L, 5L, 6L, 7L, 8L), resumed.stream().map(Event::id).toList());
            assertEquals("result_stored", resumed.get(resumed.size() - 1).type());
            assertEquals("completed", Json.read(resumed.get(resumed.size() - 1).data(), JsonNode.class).get("status").asText());

            List<Event> first = early.get(60, TimeUnit.SECONDS);
            assertEquals("status", first.get(0).type());
            List<Long> ids = first.stream().map(Event::id).toList();
            long snapshotSeq = ids.get(0);
            List<Long> expected = new ArrayList<>();
            expected.add(snapshotSeq);
            for (long seq = snapshotSeq + 1; seq <= 8; seq++) {
                expected.add(seq);
            }
            assertEquals(expected, ids, "the early client sees the snapshot then every later event once, then the end");

            // after the end: the snapshot, then the close
            List<Event> late = read(url, null, 100, Duration.ofSeconds(10));
            assertEquals(List.of("status"), late.stream().map(Event::type).toList());
            assertTrue(Json.read(late.get(0).data(), JsonNode.class).get("closed").asBoolean());
        }
    }

    private static void send(KafkaProducer<String, String> producer, String run, int step) throws Exception {
        String json = "{\"event_type\":\"" + LIFECYCLE[step][1] + "\",\"execution_id\":\"e-full\",\"event_id\":\"s" + step
                + "\",\"metadata\":{\"user_id\":\"alice\"}}";
        producer.send(new ProducerRecord<>(run + LIFECYCLE[step][0], "e-full", json)).get();
    }

    private static KafkaProducer<String, String> producer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, Infra.kafka().bootstrapServers());
        return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
    }
}
