package io.sserouter.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sserouter.contract.Json;
import io.sserouter.contract.RedisKeys;
import io.sserouter.edge.EdgeApp;
import io.sserouter.edge.EdgeSettings;
import io.sserouter.testkit.CommittedRecords;
import io.sserouter.testkit.Infra;
import io.sserouter.testkit.RunEnv;
import io.sserouter.testkit.Tokens;
import io.sserouter.testkit.sse.SseEvent;
import io.sserouter.testkit.sse.SseParser;
import io.sserouter.topology.TopologyApp;
import io.sserouter.topology.TopologySettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.resps.StreamEntry;

/**
 * Bad input at volume: more than 10,000 malformed or hostile records (random bytes, truncated JSON, oversized
 * records, wrong types, control characters, SSE injection attempts in every string field, ids at and past their
 * limits, invalid UTF-8, JSON that is not an object, duplicate keys, deep nesting) mixed with valid events on the
 * three execution topics of a running topology. The topology keeps running, dead-letters each bad record exactly
 * once, with its reason and its bytes unchanged, sequences the valid events around them exactly, and a valid event
 * whose strings try to inject SSE lines is relayed by a real edge as exactly one event.
 */
class HostileInputTest {
    private static final String[] TOPICS = {"execution_events", "pod_events", "execution_results"};
    private static final String INJECTION = "\n\nevent: injected\ndata: {\"seq\":999}\n\nid: 999\r\nretry: 1\r\r: x\n";
    private static final int MAX_RECORD_BYTES = 64 * 1024;
    private static final int BAD_RECORDS = 10_500;
    private static final int VALID_EXECUTIONS = 300;
    private static final int VALID_STEPS = 5;
    private static final int HOSTILE_EXECUTIONS = 300;

    private final Random random = new Random(7);

    record Bad(byte[] value, String reason) {
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String quote(String s) {
        return Json.write(s); // a JSON string literal, escaped
    }

    private String event(String type, String executionId, String extra) {
        return "{\"event_type\":" + quote(type) + ",\"execution_id\":" + quote(executionId) + ",\"metadata\":{\"user_id\":\"u1\"}" + extra + "}";
    }

    private String randomText(int length) {
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            s.append((char) ('a' + random.nextInt(26)));
        }
        return s.toString();
    }

    private static final Object[] WRONG_TYPES = {42, 4.2, true, false, new int[] {1}, Map.of("a", 1), List.of(), Map.of()};

    private String wrongType() {
        return Json.write(WRONG_TYPES[random.nextInt(WRONG_TYPES.length)]);
    }

    private String controlChars() {
        StringBuilder s = new StringBuilder("x");
        for (int i = 0; i < 3; i++) {
            s.append((char) random.nextInt(0x20));
        }
        return s.toString();
    }

    /** One generator per kind of bad record, each producing records with a single known defect. */
    private List<Function<Integer, Bad>> generators() {
        List<Function<Integer, Bad>> g = new ArrayList<>();
        byte[] notJsonStarts = {'#', '<', ')', 0x07, (byte) 0x80, (byte) 0xC0, '\'', '}'};
        g.add(i -> { // random bytes
            byte[] bytes = new byte[1 + random.nextInt(300)];
            random.nextBytes(bytes);
            bytes[0] = notJsonStarts[random.nextInt(notJsonStarts.length)];
            return new Bad(bytes, "not_json");
        });
        g.add(i -> { // truncated JSON: every proper prefix of an object lacks its closing brace
            byte[] whole = utf8(event("pod_running", "ok-" + i % VALID_EXECUTIONS, ",\"pod_name\":\"p-" + i + "\""));
            byte[] cut = new byte[1 + random.nextInt(whole.length - 1)];
            System.arraycopy(whole, 0, cut, 0, cut.length);
            return new Bad(cut, "not_json");
        });
        g.add(i -> new Bad(utf8(event("pod_running", "big-" + i, ",\"stdout\":\"" + "y".repeat(MAX_RECORD_BYTES + random.nextInt(100_000)) + "\"")), "too_large"));
        g.add(i -> new Bad(utf8("{\"event_type\":" + wrongType() + ",\"execution_id\":\"w-" + i + "\"}"), "invalid_event_type"));
        g.add(i -> new Bad(utf8("{\"event_type\":\"pod_running\",\"execution_id\":" + wrongType() + "}"), "invalid_execution_id"));
        g.add(i -> new Bad(utf8(event("pod_running", "w-" + i, "").replace("\"u1\"", wrongType())), "invalid_user_id"));
        g.add(i -> new Bad(utf8(event("pod_running", "w-" + i, ",\"event_id\":" + wrongType())), "invalid_event_id"));
        g.add(i -> new Bad(utf8(event("pod_running", "c-" + i + controlChars(), "")), "invalid_execution_id"));
        g.add(i -> new Bad(utf8(event("pod" + controlChars(), "c-" + i, "")), "invalid_event_type"));
        g.add(i -> new Bad(utf8(event("pod_running" + INJECTION, "s-" + i, "")), "invalid_event_type"));
        g.add(i -> new Bad(utf8(event("pod_running", "s-" + i + INJECTION, "")), "invalid_execution_id"));
        g.add(i -> new Bad(utf8(event("pod_running", "s-" + i, "").replace("\"u1\"", quote("u1" + INJECTION))), "invalid_user_id"));
        g.add(i -> new Bad(utf8(event("pod_running", "x".repeat(129), "")), "invalid_execution_id"));
        g.add(i -> new Bad(utf8(event("x".repeat(129), "l-" + i, "")), "invalid_event_type"));
        g.add(i -> new Bad(utf8(event("pod_running", "l-" + i, "").replace("\"u1\"", quote("u".repeat(129)))), "invalid_user_id"));
        g.add(i -> new Bad(utf8(event("pod_running", "l-" + i, ",\"event_id\":" + quote("e".repeat(257)))), "invalid_event_id"));
        g.add(i -> new Bad(utf8(event("pod_running", "", "")), "invalid_execution_id"));
        g.add(i -> new Bad(utf8(event("", "l-" + i, "")), "invalid_event_type"));
        g.add(i -> new Bad(utf8(event("pod_running", "l-" + i, ",\"event_id\":\"\"")), "invalid_event_id"));
        byte[][] invalidUtf8 = {{(byte) 0xFF}, {(byte) 0xFE}, {(byte) 0x80}, {(byte) 0xC3, 0x28}, {(byte) 0xE2, (byte) 0x82, 0x28},
                {(byte) 0xF0, (byte) 0x28, (byte) 0x8C, (byte) 0x28}};
        g.add(i -> { // invalid UTF-8 inside a string value
            byte[] head = utf8("{\"event_type\":\"pod_running\",\"execution_id\":\"u-" + i + "\",\"note\":\"a");
            byte[] bad = invalidUtf8[random.nextInt(invalidUtf8.length)];
            byte[] tail = utf8("b\"}");
            ByteBuffer b = ByteBuffer.allocate(head.length + bad.length + tail.length).put(head).put(bad).put(tail);
            return new Bad(b.array(), "not_json");
        });
        String[] notObjects = {"[]", "[1,2,3]", "[{\"event_type\":\"pod_running\",\"execution_id\":\"a\"}]", "42", "-1.5e300", "null", "true",
                "\"a string\"", "   ", "\n"};
        g.add(i -> new Bad(utf8(notObjects[random.nextInt(notObjects.length)]), "not_object"));
        g.add(i -> new Bad(random.nextBoolean() ? new byte[0] : null, "empty"));
        g.add(i -> new Bad(utf8("{\"event_type\":\"pod_running\",\"execution_id\":\"d-" + i + "\",\"execution_id\":\"d-" + i + "x\"}"), "not_json"));
        g.add(i -> new Bad(utf8(event("pod_running", "d-" + i, ",\"metadata\":{\"user_id\":\"a\",\"user_id\":\"b\"}").replaceFirst(",\"metadata\":\\{\"user_id\":\"u1\"}", "")), "not_json"));
        g.add(i -> { // nested far deeper than any parser should follow
            int depth = 2_000 + random.nextInt(3_000);
            return new Bad(utf8(event("pod_running", "n-" + i, ",\"deep\":" + "[".repeat(depth) + "]".repeat(depth))), "not_json");
        });
        g.add(i -> new Bad(utf8("{\"execution_id\":\"m-" + i + "\"}"), "missing_event_type"));
        g.add(i -> new Bad(utf8("{\"event_type\":\"pod_running\",\"metadata\":{\"user_id\":\"u1\"}}"), "missing_execution_id"));
        return g;
    }

    /** A valid event whose every free string field tries to inject SSE lines; {@code n} says which one it is. */
    private String hostileValid(String executionId, int n) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("event_type", "pod_running");
        node.put("execution_id", executionId);
        node.put("event_id", "ev" + n + INJECTION);
        node.put("timestamp", "2026-01-01T00:00:00Z" + INJECTION);
        node.put("n", 1);
        node.putObject("metadata").put("user_id", "u1").put("service_name", INJECTION);
        node.put("pod_name", INJECTION + "\u0000\u0001\u001b[31m\u2028\u2029\u0085");
        node.put(INJECTION, INJECTION); // a hostile key too
        node.put("stdout", "line one\nline two\r\nevent: x\ndata: y\n\n" + "z".repeat(n % 7 == 0 ? 40_000 : 10));
        node.putArray("list").add(INJECTION).addObject().put("k", INJECTION);
        return node.toString();
    }

    @Test
    void tenThousandBadRecordsAreDeadLetteredWithTheirReasonAndTheValidOnesAroundThemAreExact() throws Exception {
        String run = "hostile-";
        Tokens tokens = Tokens.hs256();
        Map<String, String> env = RunEnv.of(run);
        env.put("SSE_MAX_RECORD_BYTES", String.valueOf(MAX_RECORD_BYTES));
        env.put("SSE_JWT_SECRET", tokens.secret());
        env.put("SSE_CLOSE_LINGER_MS", "100");
        RedisKeys keys = new RedisKeys(run);

        List<Function<Integer, Bad>> generators = generators();
        Map<String, Integer> expectedReasons = new TreeMap<>();
        Map<ByteBuffer, Integer> expectedValues = new HashMap<>();
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        List<ProducerRecord<String, byte[]>> bad = new ArrayList<>();
        for (int i = 0; i < BAD_RECORDS; i++) {
            Bad b = generators.get(i % generators.size()).apply(i);
            expectedReasons.merge(b.reason(), 1, Integer::sum);
            expectedValues.merge(b.value() == null ? ByteBuffer.allocate(0) : ByteBuffer.wrap(b.value()), 1, Integer::sum);
            // keyed like the valid executions, so bad records share their partitions and tasks
            bad.add(new ProducerRecord<>(run + TOPICS[i % 3], "ok-" + i % VALID_EXECUTIONS, b.value()));
        }
        Collections.shuffle(bad, random);
        // valid executions: each on one topic (so its events keep their order), steps interleaved with bad records
        int badPerStep = bad.size() / (VALID_STEPS + 1);
        int nextBad = 0;
        for (int step = 1; step <= VALID_STEPS; step++) {
            for (int e = 0; e < VALID_EXECUTIONS; e++) {
                String id = "ok-" + e;
                String type = step == VALID_STEPS ? "result_stored" : "pod_running";
                records.add(new ProducerRecord<>(run + TOPICS[e % 3], id, utf8(event(type, id, ",\"n\":" + step))));
            }
            for (int k = 0; k < badPerStep; k++) {
                records.add(bad.get(nextBad++));
            }
        }
        List<String> hostile = new ArrayList<>();
        for (int e = 0; e < HOSTILE_EXECUTIONS; e++) {
            String id = "hv-" + e;
            hostile.add(id);
            records.add(new ProducerRecord<>(run + TOPICS[e % 3], id, utf8(hostileValid(id, e))));
            records.add(new ProducerRecord<>(run + TOPICS[e % 3], id, utf8(event("result_stored", id, ",\"n\":2"))));
        }
        // an execution id of exactly 128 characters is valid
        String longest = "L".repeat(128);
        records.add(new ProducerRecord<>(run + TOPICS[0], longest, utf8(event("execution_requested", longest, ",\"n\":1"))));
        while (nextBad < bad.size()) {
            records.add(bad.get(nextBad++));
        }

        try (TopologyApp topology = TopologyApp.start(TopologySettings.fromEnv(env));
             EdgeApp edge = EdgeApp.start(EdgeSettings.fromEnv(env));
             Jedis redis = new Jedis(URI.create(Infra.redis().url()));
             KafkaProducer<String, byte[]> producer = producer()) {
            assertTrue(topology.awaitRunning(Duration.ofSeconds(60)));
            long started = System.nanoTime();
            for (ProducerRecord<String, byte[]> record : records) {
                producer.send(record);
            }
            producer.flush();

            Map<String, Integer> reasons = new TreeMap<>();
            Map<ByteBuffer, Integer> values = new HashMap<>();
            List<ConsumerRecord<byte[], byte[]>> dead = CommittedRecords.read(run + "dlq", BAD_RECORDS, Duration.ofSeconds(180), Duration.ofSeconds(3));
            for (ConsumerRecord<byte[], byte[]> record : dead) {
                Header reason = record.headers().lastHeader("sse.dlq.reason");
                reasons.merge(reason == null ? "(no reason header)" : new String(reason.value(), StandardCharsets.UTF_8), 1, Integer::sum);
                values.merge(record.value() == null ? ByteBuffer.allocate(0) : ByteBuffer.wrap(record.value()), 1, Integer::sum);
            }
            System.out.printf("%d bad records dead-lettered in %d s, by reason: %s%n", dead.size(),
                    Duration.ofNanos(System.nanoTime() - started).toSeconds(), reasons);
            assertEquals(expectedReasons, reasons, "dead letters by reason");
            assertEquals(BAD_RECORDS, dead.size());
            assertTrue(values.equals(expectedValues), "every dead letter holds the bytes of one bad record, unchanged");
            assertEquals(KafkaStreams.State.RUNNING, topology.state(), "the topology never stopped");

            // the valid events around them: every execution exact, seq = the producer's n
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            List<String> behind = new ArrayList<>();
            for (int e = 0; e < VALID_EXECUTIONS; e++) {
                behind.add("ok-" + e);
            }
            behind.addAll(hostile);
            while (!behind.isEmpty() && System.nanoTime() < deadline) {
                behind.removeIf(id -> {
                    String snapshot = redis.get(keys.execStatus(id));
                    return snapshot != null && Json.read(snapshot, JsonNode.class).path("closed").asBoolean();
                });
                Thread.sleep(200);
            }
            assertEquals(List.of(), behind, "executions not closed in Redis");
            for (int e = 0; e < VALID_EXECUTIONS; e++) {
                List<StreamEntry> log = redis.xrange(keys.execLog("ok-" + e), (StreamEntryID) null, (StreamEntryID) null);
                List<String> seqs = log.stream().map(entry -> {
                    JsonNode envelope = Json.read(entry.getFields().get(RedisKeys.LOG_FIELD), JsonNode.class);
                    return entry.getID() + "=" + envelope.get("seq").asLong() + "/" + envelope.get("data").get("n").asInt();
                }).toList();
                assertEquals(List.of("1-0=1/1", "2-0=2/2", "3-0=3/3", "4-0=4/4", "5-0=5/5"), seqs, "ok-" + e);
            }
            assertEquals(1, redis.xlen(keys.execLog(longest)), "a 128-character execution id is valid");

            // valid but hostile: stored as one line of JSON that gives back exactly what was sent
            for (String id : hostile) {
                List<StreamEntry> log = redis.xrange(keys.execLog(id), (StreamEntryID) null, (StreamEntryID) null);
                assertEquals(2, log.size(), id);
                String envelope = log.get(0).getFields().get(RedisKeys.LOG_FIELD);
                assertFalse(envelope.contains("\n") || envelope.contains("\r"), id + ": the envelope is one line: " + envelope);
                JsonNode sent = Json.read(hostileValid(id, Integer.parseInt(id.substring(3))), JsonNode.class);
                assertEquals(sent, Json.read(envelope, JsonNode.class).get("data"), id + ": the data travels unchanged");
            }

            // ... and relayed by a real edge as exactly the two events, nothing injected
            String token = tokens.admin("auditor", Duration.ofMinutes(10));
            HttpClient http = HttpClient.newHttpClient();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<CompletableFuture<String>> checks = new ArrayList<>();
                for (String id : hostile) {
                    checks.add(CompletableFuture.supplyAsync(() -> {
                        try {
                            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port()
                                            + "/api/v1/events/executions/" + id)).header("Authorization", "Bearer " + token)
                                    .header("Last-Event-ID", "0").timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
                            if (response.statusCode() != 200) {
                                return id + ": HTTP " + response.statusCode() + " " + response.body();
                            }
                            return problemsOf(id, response.body(), redis(keys, id));
                        } catch (Exception e) {
                            return id + ": " + e;
                        }
                    }, pool));
                }
                List<String> problems = new ArrayList<>();
                for (CompletableFuture<String> check : checks) {
                    String problem = check.get(120, TimeUnit.SECONDS);
                    if (problem != null) {
                        problems.add(problem);
                    }
                }
                assertEquals(List.of(), problems.stream().limit(10).toList());
            } finally {
                pool.shutdownNow();
            }
            assertEquals(KafkaStreams.State.RUNNING, topology.state(), "the topology never stopped");
        }
    }

    private static List<StreamEntry> redis(RedisKeys keys, String id) {
        try (Jedis jedis = new Jedis(URI.create(Infra.redis().url()))) {
            return jedis.xrange(keys.execLog(id), (StreamEntryID) null, (StreamEntryID) null);
        }
    }

    /**
     * Parses the raw SSE body as a browser does (CR, LF and CRLF all end a line): every line must be a known field or
     * a comment, every event one data line, and the events exactly the logged ones. Null when it is so.
     */
    static String problemsOf(String id, String body, List<StreamEntry> log) {
        List<SseEvent> events = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        new SseParser(new SseParser.Listener() {
            @Override
            public void onEvent(SseEvent event) {
                events.add(event);
            }

            @Override
            public void onUnknownField(String field, String value) {
                unknown.add(field + ": " + value);
            }
        }).feed(body.getBytes(StandardCharsets.UTF_8));
        if (!unknown.isEmpty()) {
            return id + ": a line no SSE field should produce: " + unknown.get(0);
        }
        if (events.size() != log.size()) {
            return id + ": " + events.size() + " events relayed, " + log.size() + " logged: " + body;
        }
        for (int i = 0; i < events.size(); i++) {
            SseEvent e = events.get(i);
            if (e.data().contains("\n")) {
                return id + ": more than one data line in one event: " + e.data();
            }
            String logged = log.get(i).getFields().get(RedisKeys.LOG_FIELD);
            JsonNode envelope = Json.read(logged, JsonNode.class);
            if (!String.valueOf(i + 1).equals(e.id()) || !e.event().equals(envelope.get("event_type").asText()) || !e.data().equals(logged)) {
                return id + ": event " + i + " relayed as id " + e.id() + ", event " + e.event() + ", data " + e.data();
            }
        }
        return null;
    }

    private static KafkaProducer<String, byte[]> producer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, Infra.kafka().bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2 << 20);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }
}
