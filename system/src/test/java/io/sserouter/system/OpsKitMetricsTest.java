package io.sserouter.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sserouter.edge.EdgeApp;
import io.sserouter.edge.EdgeSettings;
import io.sserouter.system.ops.OpsKit;
import io.sserouter.system.ops.PromQl;
import io.sserouter.testkit.ExecutionScenario;
import io.sserouter.testkit.Infra;
import io.sserouter.testkit.RunEnv;
import io.sserouter.testkit.Tokens;
import io.sserouter.testkit.sse.SseClient;
import io.sserouter.testkit.sse.SseEvent;
import io.sserouter.topology.TopologyApp;
import io.sserouter.topology.TopologySettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Every metric the alert rules and the Grafana dashboard query exists: a real topology and a real edge run an
 * execution end to end (plus a record for the dead-letter topic, and a resumed stream, so that meters registered on
 * first use exist), both {@code /metrics} are scraped over HTTP, and each name in the rules and the dashboard must be
 * a series name one of them exposes.
 */
class OpsKitMetricsTest {
    private static final Tokens TOKENS = Tokens.hs256();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Path SCRAPES = Path.of("target", "opskit-scrapes");

    @Test
    void everyMetricInTheAlertRulesAndTheDashboardIsExposedByTheTopologyOrTheEdge() throws Exception {
        String run = "opskit-";
        Map<String, String> env = RunEnv.of(run);
        env.put("SSE_CONSUMER_POOL_SIZE", "1");
        env.put("SSE_JWT_SECRET", TOKENS.secret());
        ExecutionScenario scenario = ExecutionScenario.completed(run);
        List<ExecutionScenario.Event> lifecycle = scenario.events("e-ops", "alice");
        Set<String> exposed = new TreeSet<>();
        Map<String, Set<String>> labels = new TreeMap<>();
        try (TopologyApp topology = TopologyApp.start(TopologySettings.fromEnv(env));
             EdgeApp edge = EdgeApp.start(EdgeSettings.fromEnv(env));
             KafkaProducer<String, byte[]> producer = producer()) {
            assertTrue(topology.awaitRunning(Duration.ofSeconds(60)));
            producer.send(new ProducerRecord<>(run + "execution_events", "bad", "not json".getBytes(StandardCharsets.UTF_8))).get();
            for (ExecutionScenario.Event event : lifecycle) {
                producer.send(event.record()).get();
            }
            String url = "http://127.0.0.1:" + edge.port() + "/api/v1/events/executions/e-ops";
            // the whole stream live from seq 1, then a resume from seq 2 that reads the rest from the replay log
            assertEquals(lifecycle.size(), read(url, "0").size());
            assertEquals(lifecycle.size() - 2, read(url, "2").size());
            // and another user's stream of it, refused: the rejection counters exist from their first use
            HttpResponse<String> refused = HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/event-stream")
                    .header("Authorization", "Bearer " + TOKENS.user("mallory", Duration.ofMinutes(10))).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(403, refused.statusCode());

            // Kafka's per-partition lag metrics are created once partitions are fetched, and the meter binder looks
            // for new Kafka metrics once a minute
            String topologyUrl = "http://127.0.0.1:" + topology.httpPort() + "/metrics";
            long deadline = System.nanoTime() + Duration.ofSeconds(150).toNanos();
            while (!get(topologyUrl).contains("kafka_consumer_fetch_manager_records_lag{") && System.nanoTime() < deadline) {
                Thread.sleep(1_000);
            }
            String topologyScrape = get(topologyUrl);
            String edgeScrape = get("http://127.0.0.1:" + edge.port() + "/metrics");
            // kept for a look at the labels the rules and the dashboard can use
            Files.createDirectories(SCRAPES);
            Files.writeString(SCRAPES.resolve("topology.txt"), topologyScrape);
            Files.writeString(SCRAPES.resolve("edge.txt"), edgeScrape);
            exposed.addAll(seriesNames(topologyScrape));
            exposed.addAll(seriesNames(edgeScrape));
            labelNames(topologyScrape).forEach((name, names) -> labels.computeIfAbsent(name, k -> new TreeSet<>()).addAll(names));
            labelNames(edgeScrape).forEach((name, names) -> labels.computeIfAbsent(name, k -> new TreeSet<>()).addAll(names));
            assertTrue(topologyScrape.contains("sse_router_events_dead_lettered_total{reason=\"not_json\"}"), "the bad record was dead-lettered");
        }

        Map<String, Set<String>> missing = new TreeMap<>();
        Map<String, Set<String>> missingLabels = new TreeMap<>();
        List<OpsKit.Alert> alerts = OpsKit.alerts();
        assertFalse(alerts.isEmpty(), "no alert rules in " + OpsKit.ALERTS);
        for (OpsKit.Alert alert : alerts) {
            unknown(OpsKit.metricNames(alert.expr()), exposed, "alert " + alert.name(), missing);
            unknownLabels(alert.expr(), labels, "alert " + alert.name(), missingLabels);
        }
        Map<String, String> queries = OpsKit.dashboardQueries();
        assertFalse(queries.isEmpty(), "no queries in " + OpsKit.DASHBOARD);
        queries.forEach((where, query) -> {
            unknown(OpsKit.metricNames(query), exposed, "dashboard " + where, missing);
            unknownLabels(query, labels, "dashboard " + where, missingLabels);
        });
        assertTrue(missing.isEmpty(), "metrics that neither the topology nor the edge exposes:\n"
                + missing.entrySet().stream().map(e -> "  " + e.getKey() + ": " + e.getValue()).collect(Collectors.joining("\n")));
        assertTrue(missingLabels.isEmpty(), "labels matched on that the metric does not carry:\n"
                + missingLabels.entrySet().stream().map(e -> "  " + e.getKey() + ": " + e.getValue()).collect(Collectors.joining("\n")));
    }

    /** Labels a selector matches on that no scraped series of its metric has; job and instance are Prometheus's own. */
    private static void unknownLabels(String query, Map<String, Set<String>> labels, String where, Map<String, Set<String>> missing) {
        PromQl.matchedLabels(query).forEach((metric, matched) -> {
            Set<String> unknown = new TreeSet<>(matched);
            unknown.removeAll(Set.of("job", "instance"));
            unknown.removeAll(labels.getOrDefault(metric, Set.of()));
            if (!unknown.isEmpty()) {
                missing.put(where + " " + metric, unknown);
            }
        });
    }

    /** The label names each series name carries in a scrape. */
    static Map<String, Set<String>> labelNames(String scrape) {
        Map<String, Set<String>> labels = new TreeMap<>();
        Pattern label = Pattern.compile("([a-zA-Z_]\\w*)=\"");
        scrape.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).forEach(line -> {
            String name = line.split("[{ ]", 2)[0];
            Set<String> names = labels.computeIfAbsent(name, k -> new TreeSet<>());
            int open = line.indexOf('{');
            if (open == name.length()) {
                Matcher m = label.matcher(line.substring(open, line.lastIndexOf('}')));
                while (m.find()) {
                    names.add(m.group(1));
                }
            }
        });
        return labels;
    }

    private static void unknown(Set<String> names, Set<String> exposed, String where, Map<String, Set<String>> missing) {
        assertFalse(names.isEmpty(), where + " selects no metric");
        Set<String> unknown = new TreeSet<>(names);
        unknown.removeAll(exposed);
        if (!unknown.isEmpty()) {
            missing.put(where, unknown);
        }
    }

    /** The series names of a Prometheus text scrape, suffixes such as _bucket, _count, _sum and _total included. */
    static Set<String> seriesNames(String scrape) {
        return scrape.lines().filter(l -> !l.isBlank() && !l.startsWith("#"))
                .map(l -> l.split("[{ ]", 2)[0]).collect(Collectors.toCollection(TreeSet::new));
    }

    private static List<SseEvent> read(String url, String lastEventId) throws InterruptedException {
        try (SseClient client = SseClient.to(URI.create(url)).bearer(TOKENS.user("alice", Duration.ofMinutes(10)))
                .lastEventId(lastEventId).once().start(Duration.ofSeconds(60))) {
            client.awaitEnd(Duration.ofSeconds(60));
            return client.events().stream().filter(e -> e.id() != null && !e.id().isEmpty()).toList();
        }
    }

    private static String get(String url) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), url);
        return response.body();
    }

    private static KafkaProducer<String, byte[]> producer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, Infra.kafka().bootstrapServers());
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }
}
