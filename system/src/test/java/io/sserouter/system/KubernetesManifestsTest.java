package io.sserouter.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sserouter.edge.EdgeSettings;
import io.sserouter.system.ops.EnvReads;
import io.sserouter.system.ops.Manifests;
import io.sserouter.system.ops.OpsKit;
import io.sserouter.topology.TopologyApp;
import io.sserouter.topology.TopologySettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes manifests checked against the code, as far as a machine without a cluster allows: valid YAML that
 * kustomize would take whole, environments made only of variables the deployables read and values they accept,
 * ports and probe paths the processes serve, grace periods longer than the shutdowns they must cover, and what the
 * topology needs for static membership and the ingress for event streams.
 */
class KubernetesManifestsTest {
    private static final String TOPOLOGY = "sse-router-topology";
    private static final String EDGE = "sse-router-edge";
    /** Read by the JVM itself, not by the code. */
    private static final Set<String> JVM = Set.of("JDK_JAVA_OPTIONS", "JAVA_TOOL_OPTIONS");
    private static final Pattern ROUTE = Pattern.compile("(?:routes\\.get|createContext)\\(\\s*\"(/[^\"]*)\"");

    private final Manifests manifests;

    KubernetesManifestsTest() throws Exception {
        manifests = Manifests.load();
    }

    private Map<String, String> topologyEnv(Map<String, String> sources) throws Exception {
        JsonNode set = manifests.get("StatefulSet", TOPOLOGY);
        return manifests.environment(Manifests.container(set), OpsKit.REPO.resolve("docker/topology.Dockerfile"), TOPOLOGY + "-0", sources);
    }

    private Map<String, String> edgeEnv(Map<String, String> sources) throws Exception {
        JsonNode deployment = manifests.get("Deployment", EDGE);
        return manifests.environment(Manifests.container(deployment), OpsKit.REPO.resolve("docker/edge.Dockerfile"), EDGE + "-abc", sources);
    }

    @Test
    void everyFileIsValidYamlAndInTheKustomizationAndEveryObjectIsNamed() throws Exception {
        Set<String> listed = new TreeSet<>();
        manifests.kustomization().path("resources").forEach(r -> listed.add(r.asText()));
        Set<String> files = new TreeSet<>();
        for (Path file : Manifests.yamlFiles()) {
            assertFalse(Manifests.documents(file).isEmpty(), file + " is empty");
            if (!file.getFileName().toString().equals("kustomization.yaml")) {
                files.add(file.getFileName().toString());
            }
        }
        assertEquals(files, listed, "the kustomization lists exactly the manifests in deploy/kubernetes");
        Set<String> seen = new HashSet<>();
        for (JsonNode object : manifests.objects()) {
            String id = object.path("kind").asText() + "/" + object.path("metadata").path("name").asText();
            assertTrue(object.path("apiVersion").asText().matches("([a-z0-9.-]+/)?v\\d+\\w*"), id + " apiVersion " + object.path("apiVersion").asText());
            assertTrue(id.matches("[A-Z]\\w+/[a-z0-9][a-z0-9.-]*"), "kind and DNS name: " + id);
            assertTrue(seen.add(id), "defined twice: " + id);
            assertFalse(object.path("metadata").has("namespace"), id + ": the kustomization sets the namespace");
        }
        Set<String> images = new TreeSet<>();
        for (String kind : List.of("StatefulSet", "Deployment")) {
            manifests.ofKind(kind).forEach(w -> images.add(Manifests.container(w).path("image").asText()));
        }
        Set<String> named = new TreeSet<>();
        manifests.kustomization().path("images").forEach(i -> named.add(i.path("name").asText()));
        assertEquals(images, named, "the kustomization sets the image of every workload");
    }

    @Test
    void everyEnvironmentVariableIsOneTheDeployableReadsWithAValueItAccepts() throws Exception {
        Set<String> topologyReads = EnvReads.of("config", "topology");
        Set<String> edgeReads = EnvReads.of("config", "http-edge");
        // the scan finds reads of every kind: Env calls, helper calls, getenv and the logging configuration
        assertTrue(topologyReads.containsAll(Set.of("REDIS_URL", "SSE_INSTANCE_ID", "SSE_BUFFER_TTL_SECONDS", "SSE_HTTP_PORT", "SSE_LOG_LEVEL")), topologyReads.toString());
        assertTrue(edgeReads.containsAll(Set.of("REDIS_URL", "SSE_JWT_SECRET", "SSE_SHUTDOWN_GRACE_SECONDS", "SSE_CORS_ALLOWED_ORIGINS", "SSE_LOG_LEVEL")), edgeReads.toString());
        assertFalse(edgeReads.contains("SSE_INSTANCE_ID"), "the edge has no instance id");

        Map<String, String> sources = new LinkedHashMap<>();
        Map<String, String> topology = topologyEnv(sources);
        for (String name : topology.keySet()) {
            assertTrue(topologyReads.contains(name) || name.startsWith("KAFKA_") || JVM.contains(name),
                    name + " (" + sources.get(name) + ") is set for the topology, which does not read it");
        }
        TopologySettings topologySettings = TopologySettings.fromEnv(topology);
        assertEquals(TOPOLOGY + "-0", topologySettings.instanceId());

        sources.clear();
        Map<String, String> edge = edgeEnv(sources);
        for (String name : edge.keySet()) {
            assertTrue(edgeReads.contains(name) || JVM.contains(name), name + " (" + sources.get(name) + ") is set for the edge, which does not read it");
        }
        EdgeSettings.fromEnv(edge);

        // both read Redis with one key prefix
        assertEquals(TopologySettings.fromEnv(topology).redis().keys().prefix(), EdgeSettings.fromEnv(edge).redis().keys().prefix());
    }

    @Test
    void portsProbesAndServicesMatchWhatTheProcessesServe() throws Exception {
        Map<String, String> sources = new LinkedHashMap<>();
        checkWorkload(manifests.get("StatefulSet", TOPOLOGY), TopologySettings.fromEnv(topologyEnv(sources)).httpPort(),
                routes("topology/src/main/java/io/sserouter/topology/HealthServer.java"));
        checkWorkload(manifests.get("Deployment", EDGE), EdgeSettings.fromEnv(edgeEnv(sources)).httpPort(),
                routes("http-edge/src/main/java/io/sserouter/edge/http/Routes.java"));

        // the ingress sends the API to the edge Service, on a port it has
        JsonNode edgeService = manifests.get("Service", EDGE);
        JsonNode ingress = manifests.ofKind("Ingress").get(0);
        int backends = 0;
        for (JsonNode rule : ingress.path("spec").path("rules")) {
            for (JsonNode path : rule.path("http").path("paths")) {
                JsonNode backend = path.path("backend").path("service");
                assertEquals(EDGE, backend.path("name").asText());
                JsonNode port = backend.path("port");
                assertTrue(hasPort(edgeService, port.has("name") ? port.path("name").asText() : port.path("number").asText()),
                        "the edge Service has the ingress's port " + port);
                assertTrue(path.path("path").asText().startsWith("/api/"), "only the API is public: " + path.path("path").asText());
                backends++;
            }
        }
        assertTrue(backends > 0, "the ingress routes something");

        JsonNode hpa = manifests.get("HorizontalPodAutoscaler", EDGE);
        assertEquals("Deployment", hpa.path("spec").path("scaleTargetRef").path("kind").asText());
        assertEquals(EDGE, hpa.path("spec").path("scaleTargetRef").path("name").asText());
        assertTrue(hpa.path("spec").path("minReplicas").asInt() >= 2, "at least two edges, so a drain has somewhere to send its clients");
        assertFalse(hpa.path("spec").path("metrics").isEmpty());
    }

    private void checkWorkload(JsonNode workload, int httpPort, Set<String> served) {
        String name = workload.path("metadata").path("name").asText();
        JsonNode container = Manifests.container(workload);
        assertEquals(httpPort, Manifests.port(container, new com.fasterxml.jackson.databind.node.TextNode("http")), name + ": port http is SSE_HTTP_PORT");
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            JsonNode get = container.path(probe).path("httpGet");
            if (container.has(probe)) {
                assertTrue(served.contains(get.path("path").asText()), name + " " + probe + " path " + get.path("path").asText() + " is not served; served: " + served);
                assertEquals(httpPort, Manifests.port(container, get.path("port")), name + " " + probe + " port");
            }
        }
        assertEquals("/health/live", container.path("livenessProbe").path("httpGet").path("path").asText(), name + " liveness");
        assertEquals("/health/ready", container.path("readinessProbe").path("httpGet").path("path").asText(), name + " readiness");
        Map<String, String> annotations = Manifests.strings(workload.path("spec").path("template").path("metadata").path("annotations"));
        assertEquals(String.valueOf(httpPort), annotations.get("prometheus.io/port"), name + ": Prometheus scrapes the metrics port");
        assertTrue(served.contains(annotations.get("prometheus.io/path")), name + ": the metrics path is served");

        Map<String, String> labels = Manifests.podLabels(workload);
        assertTrue(Manifests.selects(Manifests.strings(workload.path("spec").path("selector").path("matchLabels")), labels), name + " selects its pods");
        JsonNode service = manifests.get("Service", name);
        assertTrue(Manifests.selects(Manifests.strings(service.path("spec").path("selector")), labels), name + " Service selects the pods");
        for (JsonNode port : service.path("spec").path("ports")) {
            assertEquals(httpPort, Manifests.port(container, port.path("targetPort")), name + " Service targetPort");
        }
        JsonNode pdb = manifests.get("PodDisruptionBudget", name);
        assertTrue(Manifests.selects(Manifests.strings(pdb.path("spec").path("selector").path("matchLabels")), labels), name + " PDB selects the pods");
    }

    private static boolean hasPort(JsonNode service, String nameOrNumber) {
        for (JsonNode port : service.path("spec").path("ports")) {
            if (port.path("name").asText().equals(nameOrNumber) || port.path("port").asText().equals(nameOrNumber)) {
                return true;
            }
        }
        return false;
    }

    private static Set<String> routes(String source) throws Exception {
        Set<String> paths = new TreeSet<>();
        Matcher m = ROUTE.matcher(Files.readString(OpsKit.REPO.resolve(source)));
        while (m.find()) {
            paths.add(m.group(1));
        }
        assertTrue(paths.contains("/health/ready") && paths.contains("/metrics"), source + " serves " + paths);
        return paths;
    }

    @Test
    void gracePeriodsOutlastTheShutdownsTheyCover() throws Exception {
        // edge: preStop, then SIGTERM starts a drain of SSE_SHUTDOWN_GRACE_SECONDS plus at most 5 s of closing
        JsonNode edge = manifests.get("Deployment", EDGE);
        EdgeSettings settings = EdgeSettings.fromEnv(edgeEnv(new LinkedHashMap<>()));
        long preStop = preStopSeconds(Manifests.container(edge));
        long drain = settings.shutdownGrace().toSeconds() + 5;
        long edgeGrace = edge.path("spec").path("template").path("spec").path("terminationGracePeriodSeconds").asLong(30);
        assertTrue(preStop > 0, "the edge waits in preStop until the ingress has stopped sending it streams");
        assertTrue(edgeGrace > preStop + drain, "edge terminationGracePeriodSeconds " + edgeGrace + " must exceed preStop " + preStop + " s + drain " + drain + " s");
        JsonNode rolling = edge.path("spec").path("strategy").path("rollingUpdate");
        assertEquals(0, rolling.path("maxUnavailable").asInt(), "a rolling update starts a new edge before draining an old one");

        // topology: Kafka Streams commits and closes within its close timeout
        JsonNode topology = manifests.get("StatefulSet", TOPOLOGY);
        long topologyGrace = topology.path("spec").path("template").path("spec").path("terminationGracePeriodSeconds").asLong(30);
        assertTrue(topologyGrace > TopologyApp.CLOSE_TIMEOUT.toSeconds() + preStopSeconds(Manifests.container(topology)),
                "topology terminationGracePeriodSeconds " + topologyGrace + " must exceed the close timeout of " + TopologyApp.CLOSE_TIMEOUT.toSeconds() + " s");
    }

    private static long preStopSeconds(JsonNode container) {
        JsonNode preStop = container.path("lifecycle").path("preStop");
        if (preStop.has("sleep")) {
            return preStop.path("sleep").path("seconds").asLong();
        }
        JsonNode command = preStop.path("exec").path("command");
        if (command.size() == 2 && command.get(0).asText().equals("sleep")) {
            return Long.parseLong(command.get(1).asText());
        }
        assertTrue(preStop.isMissingNode(), "a preStop this check cannot time: " + preStop);
        return 0;
    }

    @Test
    void topologyRunsAsAStatefulSetWithStableNamesStateVolumesAndStandbys() throws Exception {
        JsonNode set = manifests.get("StatefulSet", TOPOLOGY);
        JsonNode container = Manifests.container(set);
        JsonNode instanceId = null;
        for (JsonNode var : container.path("env")) {
            if (var.path("name").asText().equals("SSE_INSTANCE_ID")) {
                instanceId = var;
            }
        }
        assertTrue(instanceId != null && instanceId.path("valueFrom").path("fieldRef").path("fieldPath").asText().equals("metadata.name"),
                "SSE_INSTANCE_ID is the pod's stable name (static membership)");

        TopologySettings settings = TopologySettings.fromEnv(topologyEnv(new LinkedHashMap<>()));
        String stateDir = settings.kafka().get("state.dir");
        assertTrue(stateDir != null, "KAFKA_STATE_DIR is set");
        Set<String> claims = new TreeSet<>();
        set.path("spec").path("volumeClaimTemplates").forEach(c -> claims.add(c.path("metadata").path("name").asText()));
        boolean mounted = false;
        for (JsonNode mount : container.path("volumeMounts")) {
            mounted |= mount.path("mountPath").asText().equals(stateDir) && claims.contains(mount.path("name").asText());
        }
        assertTrue(mounted, "a volume claim of each pod is mounted at the state directory " + stateDir);

        int standbys = Integer.parseInt(settings.kafka().getOrDefault("num.standby.replicas", "0"));
        int replicas = set.path("spec").path("replicas").asInt();
        assertTrue(standbys >= 1, "standby replicas keep warm copies of the state stores");
        assertTrue(replicas > standbys, "more instances (" + replicas + ") than standby copies (" + standbys + ")");
        assertTrue(replicas * settings.threads() <= settings.partitions(), "every stream thread can have a partition");

        JsonNode headless = manifests.get("Service", set.path("spec").path("serviceName").asText());
        assertEquals("None", headless.path("spec").path("clusterIP").asText(), "the StatefulSet's Service is headless");
    }

    @Test
    void ingressPassesEventStreamsThroughAndRetriesADrainingEdge() throws Exception {
        JsonNode ingress = manifests.ofKind("Ingress").get(0);
        Map<String, String> annotations = Manifests.strings(ingress.path("metadata").path("annotations"));
        String prefix = "nginx.ingress.kubernetes.io/";
        assertEquals("off", annotations.get(prefix + "proxy-buffering"), "events pass unbuffered");
        EdgeSettings edge = EdgeSettings.fromEnv(edgeEnv(new LinkedHashMap<>()));
        long readTimeout = Long.parseLong(annotations.getOrDefault(prefix + "proxy-read-timeout", "60"));
        assertTrue(readTimeout > 2 * edge.heartbeat().toSeconds(),
                "the read timeout " + readTimeout + " s outlasts several heartbeats of " + edge.heartbeat().toSeconds() + " s");
        List<String> retryOn = List.of(annotations.getOrDefault(prefix + "proxy-next-upstream", "").split("\\s+"));
        assertTrue(retryOn.contains("http_503"), "a draining edge's 503 is retried on another: " + retryOn);
        assertTrue(retryOn.contains("error") && retryOn.contains("timeout"), "a gone edge is retried on another: " + retryOn);
    }
}
