package io.sserouter.system.ops;

import com.fasterxml.jackson.databind.JsonNode;
import io.sserouter.contract.Json;
import io.sserouter.system.docker.Compose;
import io.sserouter.system.docker.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The operations kit under {@code deploy/}: alert rules, their tests, the Grafana dashboard, as the checks read them. */
public final class OpsKit {
    public static final Path REPO = Tools.repository();
    public static final Path ALERTS = REPO.resolve("deploy/prometheus/alerts.yml");
    public static final Path ALERT_TESTS = REPO.resolve("deploy/prometheus/alerts.test.yml");
    public static final Path DASHBOARD = REPO.resolve("deploy/grafana/dashboards/sse-router.json");
    public static final Path KUBERNETES = REPO.resolve("deploy/kubernetes");
    public static final Path OPERATIONS = REPO.resolve("docs/operations.md");
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(\\s*([a-zA-Z_:][\\w:]*)");

    /** One alerting rule. */
    public record Alert(String group, String name, String expr, Map<String, String> labels) {
    }

    private OpsKit() {
    }

    public static List<Alert> alerts() throws IOException {
        List<Alert> alerts = new ArrayList<>();
        for (JsonNode group : Compose.YAML.readTree(ALERTS.toFile()).path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                if (rule.has("alert")) {
                    Map<String, String> labels = new LinkedHashMap<>();
                    rule.path("labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
                    alerts.add(new Alert(group.path("name").asText(), rule.path("alert").asText(), rule.path("expr").asText(), labels));
                }
            }
        }
        return alerts;
    }

    /** Every query of the dashboard, by where it is: each panel target's {@code expr} and each template variable's query. */
    public static Map<String, String> dashboardQueries() throws IOException {
        JsonNode dashboard = Json.MAPPER.readTree(DASHBOARD.toFile());
        Map<String, String> queries = new TreeMap<>();
        collectExprs(dashboard.path("panels"), "panels", queries);
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            JsonNode query = variable.path("query");
            String text = query.isObject() ? query.path("query").asText() : query.asText();
            if (variable.path("type").asText().equals("query")) {
                queries.put("variable " + variable.path("name").asText(), text);
            }
        }
        return queries;
    }

    private static void collectExprs(JsonNode node, String where, Map<String, String> into) {
        if (node.isObject()) {
            String here = node.has("title") ? where + " > " + node.path("title").asText() : where;
            node.fields().forEachRemaining(field -> {
                if (field.getKey().equals("expr") && field.getValue().isTextual()) {
                    into.put(here + " #" + into.size(), field.getValue().asText());
                } else {
                    collectExprs(field.getValue(), here, into);
                }
            });
        } else if (node.isArray()) {
            node.forEach(child -> collectExprs(child, where, into));
        }
    }

    /** The metric names a dashboard query selects; a template variable's {@code label_values(metric, label)} names one. */
    public static Set<String> metricNames(String query) {
        Matcher labelValues = LABEL_VALUES.matcher(query);
        if (labelValues.find()) {
            return new TreeSet<>(Set.of(labelValues.group(1)));
        }
        return PromQl.metricNames(query);
    }

    public static String operationsDoc() throws IOException {
        return Files.readString(OPERATIONS);
    }
}
