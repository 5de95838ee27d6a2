package io.sserouter.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sserouter.contract.Json;
import io.sserouter.system.docker.Compose;
import io.sserouter.system.docker.Tools;
import io.sserouter.system.ops.OpsKit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The compose stack's monitoring: Prometheus loads the alert rules of deploy/prometheus with a configuration promtool
 * accepts, and Grafana is provisioned with a data source for that Prometheus and the dashboard of deploy/grafana.
 */
class MonitoringStackTest {
    @Test
    void prometheusLoadsTheAlertRules(@TempDir Path dir) throws Exception {
        Compose compose = Compose.load(OpsKit.REPO);
        Path config = Path.of(compose.mountAt("prometheus", "/etc/prometheus/prometheus.yml").orElseThrow().source());
        ObjectNode prometheus = (ObjectNode) Compose.YAML.readTree(config.toFile());
        ArrayNode ruleFiles = (ArrayNode) prometheus.path("rule_files");
        assertEquals(1, ruleFiles.size(), "rule_files: " + ruleFiles);
        Compose.Mount rules = compose.mountAt("prometheus", ruleFiles.get(0).asText())
                .orElseThrow(() -> new AssertionError("nothing is mounted at " + ruleFiles.get(0).asText()));
        assertEquals(OpsKit.ALERTS.toRealPath(), Path.of(rules.source()).toRealPath(), "the rules mounted are deploy/prometheus/alerts.yml");

        // the configuration as the container sees it, with the rules where it finds them
        ruleFiles.removeAll().add(OpsKit.ALERTS.toString());
        Files.writeString(dir.resolve("prometheus.yml"), Compose.YAML.writeValueAsString(prometheus));
        Tools.Result check = Tools.run(List.of(Tools.require("promtool").toString(), "check", "config", "prometheus.yml"), dir, Map.of(), 60);
        assertEquals(0, check.exitCode(), "promtool check config:\n" + check.out() + check.err());
    }

    @Test
    void grafanaIsProvisionedWithPrometheusAndTheDashboard() throws Exception {
        Compose compose = Compose.load(OpsKit.REPO);
        assertTrue(compose.service("grafana").path("image").asText().startsWith("grafana/grafana:"));
        assertTrue(compose.dependsOn("grafana").containsKey("prometheus"));

        Path datasources = Path.of(compose.mountAt("grafana", "/etc/grafana/provisioning/datasources").orElseThrow().source());
        JsonNode source = null;
        try (var files = Files.list(datasources)) {
            for (Path file : files.toList()) {
                for (JsonNode each : Compose.YAML.readTree(file.toFile()).path("datasources")) {
                    if (each.path("type").asText().equals("prometheus")) {
                        source = each;
                    }
                }
            }
        }
        assertTrue(source != null, "a Prometheus data source is provisioned");
        int prometheusPort = compose.published("prometheus").keySet().iterator().next();
        assertEquals("http://prometheus:" + prometheusPort, source.path("url").asText(), "the data source is the stack's Prometheus");

        Path providers = Path.of(compose.mountAt("grafana", "/etc/grafana/provisioning/dashboards").orElseThrow().source());
        String dashboardsPath = null;
        try (var files = Files.list(providers)) {
            for (Path file : files.toList()) {
                for (JsonNode provider : Compose.YAML.readTree(file.toFile()).path("providers")) {
                    dashboardsPath = provider.path("options").path("path").asText();
                }
            }
        }
        Path dashboards = Path.of(compose.mountAt("grafana", dashboardsPath).orElseThrow(() -> new AssertionError("no dashboards mounted")).source());
        assertEquals(OpsKit.DASHBOARD.getParent().toRealPath(), dashboards.toRealPath(), "the provider loads deploy/grafana/dashboards");

        // the dashboard's data source variable defaults to the provisioned one
        JsonNode dashboard = Json.MAPPER.readTree(OpsKit.DASHBOARD.toFile());
        JsonNode variable = null;
        for (JsonNode each : dashboard.path("templating").path("list")) {
            if (each.path("type").asText().equals("datasource")) {
                variable = each;
            }
        }
        assertTrue(variable != null, "the dashboard chooses its data source by a variable");
        assertEquals(source.path("uid").asText(), variable.path("current").path("value").asText());
        assertEquals(dashboardsPath + "/" + OpsKit.DASHBOARD.getFileName(),
                compose.env("grafana").get("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"), "the home dashboard is the one provisioned");
    }
}
