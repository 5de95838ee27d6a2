package io.sserouter.system.bench;

import io.sserouter.testkit.Partitions;
import com.fasterxml.jackson.databind.JsonNode;
import io.sserouter.contract.Json;
import io.sserouter.contract.RedisKeys;
import io.sserouter.contract.StatusSnapshot;
import io.sserouter.edge.EdgeApp;
import io.sserouter.edge.EdgeSettings;
import io.sserouter.testkit.KafkaBroker;
import io.sserouter.testkit.RedisProcess;
import io.sserouter.testkit.Tokens;
import io.sserouter.testkit.sse.SseClient;
import io.sserouter.testkit.sse.SseEvent;
import io.sserouter.topology.TopologyApp;
import io.sserouter.topology.TopologySettings;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import redis.clients.jedis.Jedis;

/**
 * The design this product replaces, next to the product, on execution topics holding more and more history.
 * The legacy design gives every client its own consumer group ({@code sse-{execution_id}}) on the execution topic,
 * filtering by execution_id: with {@code auto.offset.reset=earliest} it reads the whole topic before it reaches the
 * execution; with {@code latest} it starts at the end and misses what was published before it joined. The product's
 * client connects to a real edge (in this JVM) fed by the real topology, asking for the execution from the start
 * ({@code Last-Event-ID: 0}): the edge reads Redis (subscribe, log, merge), whatever the topic holds.
 *
 * <p>For each history size and each client, one execution has {@code --before} events produced (and sequenced by the
 * topology into Redis) before the client connects and {@code --after} events produced once it has connected. Figures:
 * time from connect to the client being ready and to its first event of the execution, events received and missed,
 * records the client read, and the lag of the execution's last event (receive time minus produce time).
 */
public final class LegacyDesignBench {
    private record Outcome(double connectedMs, double firstEventMs, int received, long recordsRead, double lastLagMs) {
    }

    private record Row(long history, String client, int expected, Outcome outcome) {
    }

    /** One client following one execution; its clock starts when it is asked to connect. */
    private interface Client {
        Outcome follow(String executionId, Set<String> expected, String lastEventId, long connectAt, Duration limit) throws Exception;
    }

    private LegacyDesignBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = BenchKit.options(args);
        List<Integer> histories = BenchKit.integers(opts.getOrDefault("histories", "10000,100000"));
        int partitions = Integer.parseInt(opts.getOrDefault("partitions", "8"));
        int before = Integer.parseInt(opts.getOrDefault("before", "5"));
        int after = Integer.parseInt(opts.getOrDefault("after", "5"));
        long afterGapMs = Long.parseLong(opts.getOrDefault("after-gap-ms", "500"));
        long afterIntervalMs = Long.parseLong(opts.getOrDefault("after-interval-ms", "100"));
        Duration limit = Duration.ofSeconds(Long.parseLong(opts.getOrDefault("client-limit-seconds", "120")));
        String guarantee = opts.getOrDefault("guarantee", TopologySettings.EXACTLY_ONCE);
        if (before + after > Lifecycle.length() || before < 1 || after < 1) {
            throw new IllegalArgumentException("--before and --after must be at least 1 and add up to at most " + Lifecycle.length());
        }
        String run = "legacy-";
        String prefix = "legacy:";
        Tokens tokens = Tokens.hs256();
        List<Row> rows = new ArrayList<>();
        try (KafkaBroker kafka = KafkaBroker.start(); RedisProcess redis = RedisProcess.start();
             KafkaProducer<String, byte[]> producer = BenchKit.producer(kafka.bootstrapServers())) {
            Map<Integer, String> topics = new HashMap<>();
            long total = 0;
            for (int history : histories) {
                String topic = run + "h" + history + "-execution_events";
                topics.put(history, topic);
                BenchKit.createTopics(kafka.bootstrapServers(), List.of(topic), partitions);
                Partitions.warmUp(producer, List.of(topic), partitions);
                System.out.printf("== %s: writing %d historical events%n", topic, history);
                for (int e = 0; e < history / Lifecycle.length(); e++) {
                    for (int step = 0; step < Lifecycle.length(); step++) {
                        String id = "h" + history + "-" + e;
                        producer.send(new ProducerRecord<>(topic, id, Lifecycle.record(id, step, false)));
                    }
                }
                producer.flush();
                total += (long) (history / Lifecycle.length()) * Lifecycle.length();
            }

            Map<String, String> env = new HashMap<>();
            env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
            env.put("KAFKA_APPLICATION_ID", run + "app");
            env.put("KAFKA_PROCESSING_GUARANTEE", guarantee);
            env.put("KAFKA_STATE_DIR", Files.createTempDirectory("sse-bench-legacy-").toString());
            env.put("REDIS_URL", redis.url());
            env.put("SSE_REDIS_PREFIX", prefix);
            env.put("SSE_SOURCE_TOPICS", String.join(",", topics.values()));
            env.put("SSE_NOTIFICATION_TOPIC", run + "notification_events");
            env.put("SSE_SYSTEM_TOPIC", run + "system_events");
            env.put("SSE_DLQ_TOPIC", run + "dlq");
            env.put("SSE_PARTITIONS", String.valueOf(partitions));
            env.put("SSE_CONSUMER_POOL_SIZE", "2");
            env.put("SSE_HTTP_PORT", "0");
            env.put("SSE_JWT_SECRET", tokens.secret());
            env.put("SSE_BUFFER_TTL_SECONDS", "3600"); // the history's logs must outlive a long run, as a live system's recent ones do
            System.out.printf("== topology (%s) sequencing the %d historical events into Redis%n", guarantee, total);
            long drainStart = System.nanoTime();
            try (TopologyApp topology = TopologyApp.start(TopologySettings.fromEnv(env));
                 Jedis jedis = new Jedis(URI.create(redis.url()))) {
                awaitWritten(topology, total, Duration.ofMinutes(10));
                System.out.printf("   done in %.1f s%n", (System.nanoTime() - drainStart) / 1e9);
                env.put("SSE_HTTP_PORT", "0");
                try (EdgeApp edge = EdgeApp.start(EdgeSettings.fromEnv(env))) {
                    String token = tokens.admin("bench", Duration.ofHours(2));
                    Map<String, Client> clients = new java.util.LinkedHashMap<>();
                    clients.put("legacy, group per client, earliest", (id, expected, lastEventId, at, max) ->
                            legacy(kafka.bootstrapServers(), topics.get(historyOf(id)), "earliest", id, expected, at, max));
                    clients.put("legacy, group per client, latest", (id, expected, lastEventId, at, max) ->
                            legacy(kafka.bootstrapServers(), topics.get(historyOf(id)), "latest", id, expected, at, max));
                    clients.put("sse-router edge, Last-Event-ID 0", (id, expected, lastEventId, at, max) ->
                            edge(edge.port(), token, id, expected, lastEventId, at, max));
                    // the first connection of each kind runs cold (JIT, HTTP client, consumer classes): not a figure to report
                    int smallest = histories.stream().min(Integer::compare).orElseThrow();
                    int n = 0;
                    System.out.println("== one warm-up connection of each client (not reported)");
                    for (Client client : clients.values()) {
                        scenario(producer, jedis, new RedisKeys(prefix), topics.get(smallest), "w" + (++n) + "-h" + smallest,
                                before, after, afterGapMs, afterIntervalMs, limit, client);
                    }
                    for (int history : histories) {
                        for (Map.Entry<String, Client> client : clients.entrySet()) {
                            String id = "m" + (++n) + "-h" + history;
                            System.out.printf("== %d historical events, %s (execution %s)%n", history, client.getKey(), id);
                            Outcome outcome = scenario(producer, jedis, new RedisKeys(prefix), topics.get(history), id, before, after,
                                    afterGapMs, afterIntervalMs, limit, client.getValue());
                            System.out.printf("   %s%n", outcome);
                            rows.add(new Row(history, client.getKey(), before + after, outcome));
                        }
                    }
                }
            }
        }
        report(rows, opts.getOrDefault("results", "bench/results"));
        System.exit(0);
    }

    private static int historyOf(String executionId) {
        return Integer.parseInt(executionId.substring(executionId.indexOf("-h") + 2));
    }

    /**
     * Produces the events before, waits until the topology has them in Redis (so "before" holds for every design),
     * starts the client, produces the events after on a fixed schedule from the connect, and waits for the client.
     */
    private static Outcome scenario(KafkaProducer<String, byte[]> producer, Jedis jedis, RedisKeys keys, String topic, String id,
                                    int before, int after, long gapMs, long intervalMs, Duration limit, Client client) throws Exception {
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < before + after; i++) {
            expected.add(Lifecycle.eventId(id, i));
        }
        for (int i = 0; i < before; i++) {
            producer.send(new ProducerRecord<>(topic, id, Lifecycle.record(id, i, true))).get();
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (lastSeq(jedis, keys, id) < before) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the topology did not sequence " + id + " within 60 s");
            }
            Thread.sleep(10);
        }
        long connectAt = System.nanoTime();
        CompletableFuture<Outcome> following = CompletableFuture.supplyAsync(() -> {
            try {
                return client.follow(id, expected, "0", connectAt, limit);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        for (int i = 0; i < after; i++) {
            long due = connectAt + Duration.ofMillis(gapMs + i * intervalMs).toNanos();
            while (System.nanoTime() < due) {
                Thread.sleep(1);
            }
            producer.send(new ProducerRecord<>(topic, id, Lifecycle.record(id, before + i, true)));
            producer.flush();
        }
        return following.get();
    }

    private static long lastSeq(Jedis jedis, RedisKeys keys, String id) {
        String json = jedis.get(keys.execStatus(id));
        return json == null ? 0 : Json.read(json, StatusSnapshot.class).lastSeq();
    }

    /** Waits until the topology has written this many events to Redis (its own counter, as on /metrics). */
    private static void awaitWritten(TopologyApp topology, long events, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            long written = topology.scrape().lines().filter(l -> l.startsWith("sse_router_redis_writes_total{result=\"written\"}"))
                    .findFirst().map(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).orElse(0L);
            if (written >= events) {
                return;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the topology did not write " + events + " events to Redis within " + limit);
    }

    /** The legacy client: a fresh consumer group per client that reads the topic and keeps this execution's events. */
    private static Outcome legacy(String bootstrap, String topic, String reset, String id, Set<String> expected, long connectAt,
                                  Duration limit) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "sse-" + id);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, reset);
        Tracker tracker = new Tracker(expected, connectAt);
        long deadline = connectAt + limit.toNanos();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    tracker.connected();
                }
            });
            while (!tracker.done() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(50))) {
                    tracker.read++;
                    JsonNode event;
                    try {
                        event = Json.MAPPER.readTree(record.value());
                    } catch (IOException notJson) {
                        continue;
                    }
                    if (id.equals(event.path("execution_id").textValue())) {
                        tracker.received(event.path("event_id").textValue(), event.path("sent_ns").asLong(-1));
                    }
                }
            }
        }
        return tracker.outcome();
    }

    /** The product's client: an SSE stream from the edge, from the execution's first event on. */
    private static Outcome edge(int port, String token, String id, Set<String> expected, String lastEventId, long connectAt,
                                Duration limit) throws Exception {
        Tracker tracker = new Tracker(expected, connectAt);
        SseClient.Listener timing = new SseClient.Listener() {
            @Override
            public void onOpen(int status) {
                tracker.connected();
            }

            @Override
            public void onEvent(SseEvent event) {
                JsonNode envelope = event.json();
                tracker.received(envelope.path("event_id").textValue(), envelope.path("data").path("sent_ns").asLong(-1));
            }
        };
        try (SseClient client = SseClient.to(URI.create("http://127.0.0.1:" + port + "/api/v1/events/executions/" + id)).bearer(token)
                .lastEventId(lastEventId).once().listener(timing).start(limit)) {
            client.awaitEvent(e -> tracker.done(), limit);
        }
        return tracker.outcome();
    }

    /** What one client saw of the execution, timed from its connect. */
    private static final class Tracker {
        private final Set<String> expected;
        private final Set<String> seen = new HashSet<>();
        private final long connectAt;
        private final String last;
        long read;
        private long connected = -1;
        private long first = -1;
        private long lastLag = -1;

        Tracker(Set<String> expected, long connectAt) {
            this.expected = expected;
            this.connectAt = connectAt;
            this.last = expected.stream().filter(e -> e.endsWith("-" + (expected.size() - 1))).findFirst().orElseThrow();
        }

        synchronized void connected() {
            if (connected < 0) {
                connected = System.nanoTime();
            }
        }

        synchronized void received(String eventId, long sentNanos) {
            if (eventId == null || !expected.contains(eventId) || !seen.add(eventId)) {
                return;
            }
            long now = System.nanoTime();
            if (first < 0) {
                first = now;
            }
            if (eventId.equals(last) && sentNanos > 0) {
                lastLag = now - sentNanos;
            }
        }

        synchronized boolean done() {
            return seen.contains(last);
        }

        synchronized Outcome outcome() {
            return new Outcome(ms(connected - connectAt, connected), ms(first - connectAt, first), seen.size(), read,
                    ms(lastLag, lastLag));
        }

        private static double ms(long nanos, long whenSet) {
            return whenSet < 0 ? Double.NaN : nanos / 1e6;
        }
    }

    private static void report(List<Row> rows, String resultsDir) throws IOException {
        System.out.println();
        System.out.println("| historical events in the topic | client | connected ms | first event of the execution ms | events received | events missed | records the client read | lag of the last event ms |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        List<List<Object>> csv = new ArrayList<>();
        for (Row row : rows) {
            Outcome o = row.outcome();
            boolean edge = row.client().startsWith("sse-router");
            System.out.printf("| %d | %s | %.0f | %.0f | %d of %d | %d | %s | %.0f |%n", row.history(), row.client(), o.connectedMs(),
                    o.firstEventMs(), o.received(), row.expected(), row.expected() - o.received(), edge ? "none (reads Redis)" : String.valueOf(o.recordsRead()),
                    o.lastLagMs());
            csv.add(List.of(row.history(), row.client(), o.connectedMs(), o.firstEventMs(), o.received(), row.expected() - o.received(),
                    edge ? -1L : o.recordsRead(), o.lastLagMs()));
        }
        System.out.println();
        BenchKit.writeCsv(resultsDir, "legacy", List.of("history_events", "client", "connected_ms", "first_event_ms", "events_received",
                "events_missed", "records_read", "last_event_lag_ms"), csv);
    }
}
