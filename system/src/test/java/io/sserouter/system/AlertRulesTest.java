package io.sserouter.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sserouter.system.docker.Compose;
import io.sserouter.system.docker.Tools;
import io.sserouter.system.ops.OpsKit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alert rules in {@code deploy/prometheus}: valid for Prometheus, their unit tests pass, each alert is shown by
 * those tests both to fire and to stay silent (an alert that never fires, or always fires, fails them), and each
 * has a runbook entry in docs/operations.md.
 */
class AlertRulesTest {
    /** What operators must be told about, by the alert that tells them. */
    private static final Set<String> REQUIRED = Set.of("SseRouterPipelineStalled", "SseRouterConsumerLagGrowing",
            "SseRouterDeadLetters", "SseRouterRedisUnreachable", "SseEdgeRedisUnreachable", "SseEdgeRefusingStreams",
            "SseEdgeSlowClientsCutOff", "SseEdgeShutdownStuck", "SseRouterStreamsNotRunning");

    private static Tools.Result promtool(Path dir, String... args) throws Exception {
        Path promtool = Tools.require("promtool");
        List<String> command = new java.util.ArrayList<>(List.of(promtool.toString()));
        command.addAll(List.of(args));
        return Tools.run(command, dir, Map.of(), 120);
    }

    @Test
    void rulesAreValidAndTheirUnitTestsPass() throws Exception {
        Path dir = OpsKit.ALERTS.getParent();
        Tools.Result check = promtool(dir, "check", "rules", OpsKit.ALERTS.getFileName().toString());
        assertEquals(0, check.exitCode(), "promtool check rules:\n" + check.out() + check.err());
        Tools.Result test = promtool(dir, "test", "rules", OpsKit.ALERT_TESTS.getFileName().toString());
        assertEquals(0, test.exitCode(), "promtool test rules:\n" + test.out() + test.err());
    }

    @Test
    void everyAlertIsRequiredOrNamedLikeTheRestAndCarriesASeverityAndItsRunbook() throws Exception {
        List<OpsKit.Alert> alerts = OpsKit.alerts();
        Set<String> names = alerts.stream().map(OpsKit.Alert::name).collect(Collectors.toCollection(TreeSet::new));
        assertTrue(names.containsAll(REQUIRED), "missing alerts: " + REQUIRED.stream().filter(n -> !names.contains(n)).toList());
        assertEquals(alerts.size(), names.size(), "alert names are unique");
        String doc = OpsKit.operationsDoc();
        JsonNode rules = Compose.YAML.readTree(OpsKit.ALERTS.toFile());
        for (JsonNode group : rules.path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                String name = rule.path("alert").asText();
                assertTrue(name.matches("Sse(Router|Edge)[A-Z][A-Za-z]+"), name);
                assertTrue(Set.of("critical", "warning").contains(rule.path("labels").path("severity").asText()), name + " severity");
                assertEquals("docs/operations.md#" + name.toLowerCase(), rule.path("annotations").path("runbook").asText(), name + " runbook link");
                String entry = runbookEntry(doc, name);
                for (String part : List.of("**What it means.**", "**What to check.**", "**What to do.**")) {
                    assertTrue(entry.contains(part), name + "'s runbook entry lacks " + part);
                }
            }
        }
    }

    /** Each alert's expression replaced by one that never fires, then by one that always fires: the unit tests must catch both. */
    @Test
    void theUnitTestsShowEachAlertFiringAndStayingSilent(@TempDir Path dir) throws Exception {
        Files.copy(OpsKit.ALERT_TESTS, dir.resolve(OpsKit.ALERT_TESTS.getFileName()));
        for (OpsKit.Alert alert : OpsKit.alerts()) {
            for (String mutant : List.of("vector(1) < 0", "(" + alert.expr().strip() + ") or label_replace(vector(1), \"mutant\", \"always\", \"\", \"\")")) {
                Files.writeString(dir.resolve(OpsKit.ALERTS.getFileName()), withExpr(alert.name(), mutant));
                Tools.Result test = promtool(dir, "test", "rules", OpsKit.ALERT_TESTS.getFileName().toString());
                assertNotEquals(0, test.exitCode(), "the unit tests pass with " + alert.name() + " = " + mutant);
                assertTrue(failedAlerts(test.out() + test.err()).contains(alert.name()),
                        "the unit tests do not notice " + alert.name() + " = " + mutant + ":\n" + test.out() + test.err());
            }
        }
    }

    private static String withExpr(String alert, String expr) throws Exception {
        JsonNode rules = Compose.YAML.readTree(OpsKit.ALERTS.toFile());
        for (JsonNode group : rules.path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                if (rule.path("alert").asText().equals(alert)) {
                    ((ObjectNode) rule).put("expr", expr);
                }
            }
        }
        return Compose.YAML.writeValueAsString(rules);
    }

    private static Set<String> failedAlerts(String output) {
        Set<String> failed = new HashSet<>();
        Matcher m = Pattern.compile("alertname: (\\w+)").matcher(output);
        while (m.find()) {
            failed.add(m.group(1));
        }
        return failed;
    }

    /** The text under {@code ### name} up to the next heading. */
    static String runbookEntry(String doc, String name) {
        int start = doc.indexOf("\n### " + name + "\n");
        assertTrue(start >= 0, "docs/operations.md has no runbook entry '### " + name + "'");
        int end = doc.indexOf("\n#", start + 5);
        return doc.substring(start, end < 0 ? doc.length() : end);
    }
}
