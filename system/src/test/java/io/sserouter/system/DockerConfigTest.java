package io.sserouter.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.sserouter.contract.Json;
import io.sserouter.config.RedisUrl;
import io.sserouter.contract.RedisKeys;
import io.sserouter.edge.EdgeSettings;
import io.sserouter.system.docker.Compose;
import io.sserouter.system.docker.Dockerfile;
import io.sserouter.system.docker.ImageProcess;
import io.sserouter.system.docker.Nginx;
import io.sserouter.system.docker.Tools;
import io.sserouter.testkit.FreePorts;
import io.sserouter.testkit.Infra;
import io.sserouter.testkit.RedisCluster;
import io.sserouter.testkit.sse.SseClient;
import io.sserouter.testkit.sse.SseEvent;
import io.sserouter.topology.Main;
import io.sserouter.topology.TopologySettings;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.params.XAddParams;

/**
 * The Docker deliverables, checked as far as a machine without a Docker engine allows: the compose file as
 * docker-compose resolves it, the topic creation script against the topology's own settings, the Dockerfiles'
 * runtime stages (user, health check, entrypoint, jars) with their commands run on the built jars, and the nginx
 * configuration run by a real nginx in front of two edges started the way their image starts them.
 */
class DockerConfigTest {
    private static final Path REPO = Tools.repository();
    private static final String TOPOLOGY_DOCKERFILE = "docker/topology.Dockerfile";
    private static final String EDGE_DOCKERFILE = "docker/edge.Dockerfile";
    private static final String NGINX_CONF_TARGET = "/etc/nginx/conf.d/default.conf";
    private static final String CLUSTER_PROFILE = "cluster";
    private static final String CREATE_CLUSTER_SCRIPT = "docker/create-cluster.sh";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** What the service's container sees: the image's ENV, then the service's environment. */
    private static Map<String, String> containerEnv(Compose compose, String service) throws Exception {
        Map<String, String> env = new LinkedHashMap<>();
        String dockerfile = compose.service(service).path("build").path("dockerfile").asText();
        if (!dockerfile.isEmpty()) {
            env.putAll(Dockerfile.read(REPO.resolve(dockerfile)).env());
        }
        env.putAll(compose.env(service));
        return env;
    }

    @Test
    void composeFileDescribesTwoTopologiesTwoEdgesBehindNginxAndPrometheusWatchingAllFour() throws Exception {
        Compose compose = Compose.load(REPO);
        List<String> topologies = compose.builtFrom(TOPOLOGY_DOCKERFILE);
        List<String> edges = compose.builtFrom(EDGE_DOCKERFILE);
        assertEquals(2, topologies.size(), "topology services: " + topologies);
        assertEquals(2, edges.size(), "edge services: " + edges);

        // edges: one secret, and a configuration the edge accepts
        Set<String> secrets = new HashSet<>();
        for (String edge : edges) {
            Map<String, String> env = containerEnv(compose, edge);
            secrets.add(env.get("SSE_JWT_SECRET"));
            EdgeSettings.fromEnv(env);
            assertEquals("service_healthy", compose.dependsOn(edge).get("redis"), edge + " waits for Redis");
        }
        assertEquals(1, secrets.size(), "every edge must verify tokens with the same SSE_JWT_SECRET: " + secrets);
        for (String edge : edges) {
            // the edge drains for its grace period and exits at most 5 s later; docker SIGKILLs after stop_grace_period
            long drain = EdgeSettings.fromEnv(containerEnv(compose, edge)).shutdownGrace().plusSeconds(5).toSeconds();
            assertTrue(seconds(compose.service(edge).path("stop_grace_period").asText("10s")) > drain,
                    edge + ": stop_grace_period must exceed the drain of " + drain + " s");
        }

        // topologies: one application id (they share partitions), a state volume each, a valid configuration
        Set<String> applicationIds = new HashSet<>();
        Set<String> stateVolumes = new HashSet<>();
        for (String topology : topologies) {
            Map<String, String> env = containerEnv(compose, topology);
            TopologySettings settings = TopologySettings.fromEnv(env);
            applicationIds.add(settings.applicationId());
            assertEquals(TopologySettings.EXACTLY_ONCE, settings.processingGuarantee());
            String stateDir = env.get("KAFKA_STATE_DIR");
            assertNotNull(stateDir, topology + " has no KAFKA_STATE_DIR");
            stateVolumes.add(compose.mountAt(topology, stateDir).orElseThrow(() -> new AssertionError(topology + " mounts nothing at its state dir " + stateDir)).source());
            assertEquals("service_healthy", compose.dependsOn(topology).get("redis"), topology + " waits for Redis");
            if (!settings.createTopics()) {
                assertEquals("service_completed_successfully", compose.dependsOn(topology).get("kafka-init"),
                        topology + " does not create topics, so it must start after kafka-init created them");
            }
            String kafkaHost = settings.bootstrapServers().split(":")[0];
            assertTrue(compose.env(kafkaHost).getOrDefault("KAFKA_ADVERTISED_LISTENERS", "").contains("//" + settings.bootstrapServers()),
                    "the broker advertises " + settings.bootstrapServers() + " to the topology");
        }
        assertEquals(1, applicationIds.size(), "the topology instances must share one application id: " + applicationIds);
        assertEquals(2, stateVolumes.size(), "each topology instance needs its own state volume: " + stateVolumes);

        // Kafka: KRaft, one broker, exactly-once possible
        JsonNode kafka = compose.service("kafka");
        assertTrue(kafka.path("image").asText().startsWith("apache/kafka:4."), kafka.path("image").asText());
        Map<String, String> broker = compose.env("kafka");
        assertTrue(broker.get("KAFKA_PROCESS_ROLES").contains("controller") && broker.get("KAFKA_PROCESS_ROLES").contains("broker"));
        for (String one : List.of("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
                "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR")) {
            assertEquals("1", broker.get(one), one + " on a single broker (else exactly-once transactions cannot start)");
        }
        Uuid.fromString(broker.get("CLUSTER_ID"));

        // a plain up starts the default stack alone: nothing in it waits for a service of a profile
        List<String> defaults = compose.defaultServices();
        for (String service : defaults) {
            assertTrue(defaults.containsAll(compose.dependsOn(service).keySet()), service + " depends on a service of a profile: " + compose.dependsOn(service));
        }

        // every service_healthy dependency has a health check, in compose or in its image
        for (String service : compose.services()) {
            for (Map.Entry<String, String> dependency : compose.dependsOn(service).entrySet()) {
                if (dependency.getValue().equals("service_healthy")) {
                    JsonNode target = compose.service(dependency.getKey());
                    String dockerfile = target.path("build").path("dockerfile").asText();
                    boolean imageCheck = !dockerfile.isEmpty()
                            && Dockerfile.last(Dockerfile.read(REPO.resolve(dockerfile)).runtime(), "HEALTHCHECK").isPresent();
                    assertTrue(target.has("healthcheck") || imageCheck, service + " waits for " + dependency.getKey() + " to be healthy, which has no health check");
                }
            }
        }

        // nginx: published, listening where it is published, in front of every edge
        Map<Integer, Integer> published = compose.published("nginx");
        assertEquals(1, published.size(), "nginx publishes one port: " + published);
        String nginxConf = Files.readString(Path.of(compose.mountAt("nginx", NGINX_CONF_TARGET).orElseThrow().source()));
        assertTrue(Pattern.compile("(?m)^\\s*listen\\s+" + published.keySet().iterator().next() + ";").matcher(nginxConf).find(),
                "nginx listens on the port compose publishes");
        assertEquals(serviceAddresses(compose, edges), new TreeSet<>(Nginx.upstreamServers(nginxConf)));
        for (String edge : edges) {
            assertEquals("service_healthy", compose.dependsOn("nginx").get(edge), "nginx starts after " + edge + " is healthy");
        }

        // Prometheus scrapes each instance where it serves /metrics
        String promConfig = compose.mountAt("prometheus", "/etc/prometheus/prometheus.yml").orElseThrow().source();
        JsonNode prometheus = Compose.YAML.readTree(Path.of(promConfig).toFile());
        Set<String> targets = new TreeSet<>();
        for (JsonNode job : prometheus.path("scrape_configs")) {
            assertEquals("/metrics", job.path("metrics_path").asText("/metrics"));
            job.path("static_configs").forEach(c -> c.path("targets").forEach(t -> targets.add(t.asText())));
        }
        List<String> instances = new ArrayList<>(topologies);
        instances.addAll(edges);
        assertEquals(serviceAddresses(compose, instances), targets);
    }

    @Test
    void clusterProfileRunsATopologyAndAnEdgeOnARedisClusterOfThreeMastersWithAReplicaEach() throws Exception {
        Compose compose = Compose.load(REPO);
        List<String> profile = compose.profile(CLUSTER_PROFILE);
        List<String> nodes = profile.stream().filter(s -> compose.command(s).contains("--cluster-enabled")).toList();
        assertEquals(6, nodes.size(), "cluster nodes: " + nodes);
        Set<String> nodeAddresses = new TreeSet<>();
        for (String node : nodes) {
            List<String> command = compose.command(node);
            assertTrue(compose.service(node).path("image").asText().startsWith("redis:7"), node + " runs Redis 7");
            assertEquals("yes", command.get(command.indexOf("--cluster-enabled") + 1), node + " is a cluster node");
            assertTrue(compose.service(node).has("healthcheck"), node + " has a health check");
            int port = command.contains("--port") ? Integer.parseInt(command.get(command.indexOf("--port") + 1)) : 6379;
            nodeAddresses.add(node + ":" + port);
        }

        // one one-shot service joins exactly those nodes, once they all answer, with the script it mounts
        List<String> inits = profile.stream().filter(s -> compose.env(s).containsKey("REDIS_CLUSTER_NODES")).toList();
        assertEquals(1, inits.size(), "one service creates the cluster: " + inits);
        String init = inits.get(0);
        assertEquals(nodeAddresses, new TreeSet<>(List.of(compose.env(init).get("REDIS_CLUSTER_NODES").trim().split("\\s+"))),
                init + " joins every node, and only them");
        for (String node : nodes) {
            assertEquals("service_healthy", compose.dependsOn(init).get(node), init + " waits until " + node + " answers");
        }
        List<String> command = compose.command(init);
        String script = command.get(command.size() - 1);
        assertTrue(Path.of(compose.mountAt(init, script).orElseThrow(() -> new AssertionError(init + " runs " + script + ", which it does not mount")).source())
                .endsWith(CREATE_CLUSTER_SCRIPT), init + " runs " + CREATE_CLUSTER_SCRIPT);
        assertEquals("no", compose.service(init).path("restart").asText("no"), init + " runs once");

        // a topology of a pool of its own and an edge, both with every node as a seed, after the cluster is created
        List<String> topologies = compose.builtFrom(TOPOLOGY_DOCKERFILE, profile);
        List<String> edges = compose.builtFrom(EDGE_DOCKERFILE, profile);
        assertEquals(1, topologies.size(), "topologies of the profile: " + topologies);
        assertEquals(1, edges.size(), "edges of the profile: " + edges);
        String topology = topologies.get(0);
        String edge = edges.get(0);
        TopologySettings topologySettings = TopologySettings.fromEnv(containerEnv(compose, topology));
        EdgeSettings edgeSettings = EdgeSettings.fromEnv(containerEnv(compose, edge));
        for (var redis : List.of(topologySettings.redis(), edgeSettings.redis())) {
            assertEquals(RedisUrl.Kind.CLUSTER, redis.address().kind());
            assertEquals(nodeAddresses, redis.address().nodes().stream().map(Object::toString).collect(Collectors.toCollection(TreeSet::new)),
                    "REDIS_URL names every node as a seed");
        }
        for (String service : List.of(topology, edge)) {
            assertEquals("service_completed_successfully", compose.dependsOn(service).get(init), service + " starts once the cluster is created");
            assertFalse(compose.dependsOn(service).containsKey("redis"), service + " needs nothing of the default stack's Redis");
        }
        assertEquals("service_completed_successfully", compose.dependsOn(topology).get("kafka-init"), topology + " starts once the topics exist");

        // beside the default stack: another application id (else the pools would split the partitions and write half
        // of the events to each Redis), its own state volume, the default edges' secret, a port of its own
        String defaultTopology = compose.builtFrom(TOPOLOGY_DOCKERFILE).get(0);
        String defaultEdge = compose.builtFrom(EDGE_DOCKERFILE).get(0);
        assertNotEquals(TopologySettings.fromEnv(containerEnv(compose, defaultTopology)).applicationId(), topologySettings.applicationId(),
                topology + " reads every event in a pool of its own");
        String stateDir = containerEnv(compose, topology).get("KAFKA_STATE_DIR");
        String volume = compose.mountAt(topology, stateDir).orElseThrow(() -> new AssertionError(topology + " mounts nothing at " + stateDir)).source();
        for (String other : compose.builtFrom(TOPOLOGY_DOCKERFILE)) {
            assertNotEquals(compose.mountAt(other, stateDir).orElseThrow().source(), volume, topology + " and " + other + " share a state volume");
        }
        assertEquals(containerEnv(compose, defaultEdge).get("SSE_JWT_SECRET"), containerEnv(compose, edge).get("SSE_JWT_SECRET"),
                "docker/token.sh's tokens work on both stacks");
        Set<Integer> taken = new HashSet<>();
        for (String service : compose.defaultServices()) {
            taken.addAll(compose.published(service).values());
        }
        Map<Integer, Integer> published = compose.published(edge);
        assertEquals(1, published.size(), edge + " publishes one port: " + published);
        assertEquals(edgeSettings.httpPort(), published.keySet().iterator().next(), edge + " publishes the port it listens on");
        assertFalse(taken.contains(published.values().iterator().next()), edge + " publishes a port the default stack does not");
    }

    /**
     * The script of the cluster profile's one-shot service, run against six real cluster-enabled redis-servers as
     * that service runs it: they become a cluster of 3 masters with a replica each; run again, it leaves it alone.
     */
    @Test
    void createClusterScriptJoinsSixNodesIntoACluster() throws Exception {
        Compose compose = Compose.load(REPO);
        String init = compose.profile(CLUSTER_PROFILE).stream().filter(s -> compose.env(s).containsKey("REDIS_CLUSTER_NODES")).findFirst().orElseThrow();
        List<String> command = compose.command(init);
        Path script = Path.of(compose.mountAt(init, command.get(command.size() - 1)).orElseThrow().source());
        List<String> runs = new ArrayList<>();
        try (RedisCluster cluster = RedisCluster.start(nodes -> {
            String addresses = nodes.stream().map(Object::toString).collect(Collectors.joining(" "));
            runs.add(createCluster(script, addresses));
            runs.add(createCluster(script, addresses));
        })) {
            assertEquals(3, cluster.masters().size());
            assertTrue(runs.get(0).contains("Redis Cluster created"), runs.get(0));
            assertTrue(runs.get(1).contains("already created"), "a second run leaves the cluster alone: " + runs.get(1));
        }
    }

    private static String createCluster(Path script, String nodes) {
        try {
            Tools.Result result = Tools.run(List.of("sh", script.toString()), REPO, Map.of("REDIS_CLUSTER_NODES", nodes), 120);
            assertEquals(0, result.exitCode(), result.out() + result.err());
            return result.out();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A compose duration such as {@code 20s}, {@code 1m30s}. */
    private static long seconds(String duration) {
        Matcher part = Pattern.compile("(\\d+)([hms])").matcher(duration);
        long seconds = 0;
        while (part.find()) {
            seconds += Long.parseLong(part.group(1)) * switch (part.group(2)) {
                case "h" -> 3600;
                case "m" -> 60;
                default -> 1;
            };
        }
        return seconds;
    }

    /** {@code service:SSE_HTTP_PORT} of each service. */
    private static Set<String> serviceAddresses(Compose compose, List<String> services) throws Exception {
        Set<String> addresses = new TreeSet<>();
        for (String service : services) {
            addresses.add(service + ":" + containerEnv(compose, service).get("SSE_HTTP_PORT"));
        }
        return addresses;
    }

    @Test
    void kafkaInitCreatesExactlyTheTopicsTheTopologyWouldCreate() throws Exception {
        Compose compose = Compose.load(REPO);
        TopologySettings settings = TopologySettings.fromEnv(containerEnv(compose, compose.builtFrom(TOPOLOGY_DOCKERFILE).get(0)));
        List<String> entrypoint = new ArrayList<>();
        compose.service("kafka-init").path("entrypoint").forEach(a -> entrypoint.add(a.asText()));
        String script = entrypoint.get(entrypoint.size() - 1);
        Path hostScript = Path.of(compose.mountAt("kafka-init", script).orElseThrow(() -> new AssertionError("kafka-init runs " + script + ", which it does not mount")).source());

        // the image's kafka-topics.sh, replaced by one that records how it is called
        Path bin = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "kafka-bin").toAbsolutePath();
        Path calls = bin.resolve("calls");
        Path stub = Files.writeString(bin.resolve("kafka-topics.sh"), "#!/bin/sh\nprintf '%s\\n' \"$*\" >> \"$CALLS\"\n");
        assertTrue(stub.toFile().setExecutable(true));
        Map<String, String> env = new HashMap<>(compose.env("kafka-init"));
        env.put("KAFKA_BIN", bin.toString());
        env.put("CALLS", calls.toString());
        Tools.Result result = Tools.run(List.of("sh", hostScript.toString()), REPO, env, 30);
        assertEquals(0, result.exitCode(), result.err());

        // TopicCreator: every source topic and the dead-letter topic, with SSE_PARTITIONS partitions; the
        // dead-letter topic takes the largest dead letter plus 256 KiB of headers
        String common = "--bootstrap-server " + settings.bootstrapServers() + " --create --if-not-exists --topic ";
        List<String> expected = new ArrayList<>();
        for (String topic : settings.sourceTopics()) {
            expected.add(common + topic + " --partitions " + settings.partitions());
        }
        expected.add(common + settings.deadLetterTopic() + " --partitions " + settings.partitions()
                + " --config max.message.bytes=" + (settings.dlqMaxRecordBytes() + (256 << 10)));
        assertEquals(expected, Files.readAllLines(calls));
    }

    @Test
    void imagesRunTheBuiltJarsAsANonRootUserWithAHealthCheckThatProbesReadiness() throws Exception {
        List<String> modules = new ArrayList<>();
        Matcher module = Pattern.compile("<module>([^<]+)</module>").matcher(Files.readString(REPO.resolve("pom.xml")));
        while (module.find()) {
            modules.add(module.group(1));
        }
        // the images build and run on the Java the build requires (the tests run on it, the edge's flags need it)
        Matcher required = Pattern.compile("<requireJavaVersion>\\s*<version>\\[(\\d+),").matcher(Files.readString(REPO.resolve("pom.xml")));
        assertTrue(required.find(), "pom.xml requires a Java version");
        String java = required.group(1);
        for (String file : List.of(TOPOLOGY_DOCKERFILE, EDGE_DOCKERFILE)) {
            Dockerfile dockerfile = Dockerfile.read(REPO.resolve(file));
            assertTrue(dockerfile.stages().size() >= 2, file + " builds in one stage and runs in another");
            String buildFrom = Dockerfile.last(dockerfile.build(), "FROM").orElseThrow();
            String runFrom = Dockerfile.last(dockerfile.runtime(), "FROM").orElseThrow();
            assertTrue(buildFrom.matches("maven:\\S*-eclipse-temurin-" + java + "\\b.*"), file + " builds with Maven on JDK " + java + ": " + buildFrom);
            assertTrue(runFrom.matches("eclipse-temurin:" + java + "-jre\\b.*"), file + " runs on a Java " + java + " JRE: " + runFrom);

            // Maven needs every module's pom; the module it packages needs its sources and those of its siblings
            List<String> copies = Dockerfile.all(dockerfile.build(), "COPY");
            for (String m : modules) {
                assertTrue(copies.contains(m + "/pom.xml " + m + "/"), file + " does not copy " + m + "/pom.xml");
            }
            String packaged = Dockerfile.all(dockerfile.build(), "RUN").stream().filter(r -> r.contains(" package"))
                    .map(r -> r.replaceAll(".*-pl\\s+(\\S+).*", "$1")).findFirst().orElseThrow();
            Set<String> needed = new TreeSet<>(List.of(packaged));
            Matcher sibling = Pattern.compile("<artifactId>sse-router-([a-z-]+)</artifactId>(?:(?!</dependency>).)*</dependency>", Pattern.DOTALL)
                    .matcher(Files.readString(REPO.resolve(packaged + "/pom.xml")));
            while (sibling.find()) {
                if (!sibling.group().contains("<scope>test</scope>")) {
                    needed.add(sibling.group(1));
                }
            }
            for (String m : needed) {
                assertTrue(copies.contains(m + "/src " + m + "/src"), file + " does not copy " + m + "/src, which " + packaged + " needs");
            }

            String user = Dockerfile.last(dockerfile.runtime(), "USER").orElseThrow(() -> new AssertionError(file + " runs as root (no USER)"));
            assertFalse(user.equals("root") || user.startsWith("0") || user.startsWith("root:"), file + " runs as " + user);
            List<String> entrypoint = Dockerfile.execForm(Dockerfile.last(dockerfile.runtime(), "ENTRYPOINT").orElse(""))
                    .orElseThrow(() -> new AssertionError(file + ": ENTRYPOINT must be exec form so java gets SIGTERM"));
            assertEquals("java", entrypoint.get(0));
            assertTrue(entrypoint.stream().anyMatch(a -> a.startsWith("-XX:MaxRAMPercentage=")), file + ": heap sized from the container's memory");
            if (file.equals(TOPOLOGY_DOCKERFILE)) {
                // a restart maps its classes from an archive, which only serves the jar (and path) it was made for
                String archive = entrypoint.stream().filter(a -> a.startsWith("-XX:SharedArchiveFile=")).findFirst()
                        .orElseThrow(() -> new AssertionError(file + ": ENTRYPOINT maps no class-data archive"));
                String jar = entrypoint.get(entrypoint.indexOf("-jar") + 1);
                String dump = Dockerfile.all(dockerfile.runtime(), "RUN").stream().filter(r -> r.contains("-Xshare:dump")).findFirst()
                        .orElseThrow(() -> new AssertionError(file + ": the runtime stage makes no class-data archive"));
                assertTrue(dump.contains(archive) && dump.contains("-cp " + jar), file + ": the archive is made for " + jar + ": " + dump);
                // the restart tests and benchmarks time the jar with these flags, as the image runs it
                assertTrue(entrypoint.containsAll(Main.JVM_FLAGS),
                        file + ": ENTRYPOINT " + entrypoint + " lacks some of " + Main.JVM_FLAGS);
            }
            Dockerfile.execForm(Dockerfile.last(dockerfile.runtime(), "HEALTHCHECK").orElseThrow(() -> new AssertionError(file + " has no HEALTHCHECK")))
                    .orElseThrow(() -> new AssertionError(file + ": HEALTHCHECK must be exec form"));
            Map<String, String> copied = dockerfile.copiedFromBuild();
            assertFalse(copied.isEmpty());
            for (String jar : copied.values()) {
                assertTrue(jar.startsWith(packaged + "/target/"), file + " copies " + jar + ", not what it packaged");
                assertTrue(Files.isRegularFile(REPO.resolve(jar)), file + " copies " + jar + ", which mvn package did not build");
            }

            // the HEALTHCHECK command on the built jar: passes on 200 from /health/ready, fails on 503 and on no answer
            AtomicInteger status = new AtomicInteger(200);
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/health/ready", exchange -> {
                exchange.sendResponseHeaders(status.get(), -1);
                exchange.close();
            });
            server.start();
            Path log = Path.of("target", "docker", "probe.log");
            ImageProcess image = new ImageProcess(REPO, dockerfile, Map.of("SSE_HTTP_PORT", String.valueOf(server.getAddress().getPort())), log);
            try {
                assertEquals(0, image.probe(), file + ": health check on a ready instance");
                status.set(503);
                assertNotEquals(0, image.probe(), file + ": health check on an instance that is not ready");
            } finally {
                server.stop(0);
            }
            assertNotEquals(0, image.probe(), file + ": health check with nothing listening");
        }
    }

    @Test
    void nginxAcceptsTheStacksConfigurationAndStreamsWithoutBuffering() throws Exception {
        Compose compose = Compose.load(REPO);
        Path conf = Path.of(compose.mountAt("nginx", NGINX_CONF_TARGET).orElseThrow().source());
        String text = Files.readString(conf);
        // no trailing slash: the user stream is /api/v1/events itself, which a location of /api/v1/events/ redirects
        Matcher events = Pattern.compile("location\\s+/api/v1/events\\s*\\{([^}]*)}").matcher(text);
        assertTrue(events.find(), "nginx has one location for every event stream, /api/v1/events included");
        String sse = events.group(1);
        for (String directive : List.of("proxy_buffering off;", "proxy_cache off;", "gzip off;")) {
            assertTrue(sse.contains(directive), "the event stream location needs " + directive);
        }
        assertTrue(text.contains("proxy_http_version 1.1;") && text.contains("proxy_set_header Connection \"\";"));
        Matcher timeout = Pattern.compile("proxy_read_timeout\\s+(\\d+)s;").matcher(sse);
        assertTrue(timeout.find());
        int heartbeat = Integer.parseInt(containerEnv(compose, compose.builtFrom(EDGE_DOCKERFILE).get(0)).getOrDefault("SSE_HEARTBEAT_SECONDS", "30"));
        assertTrue(Integer.parseInt(timeout.group(1)) >= 3 * heartbeat, "a stream must survive several heartbeats of " + heartbeat + " s");

        Map<String, String> upstreams = new LinkedHashMap<>();
        for (String server : new TreeSet<>(Nginx.upstreamServers(text))) {
            upstreams.put(server, "127.0.0.1:" + FreePorts.any());
        }
        Nginx nginx = Nginx.prepare(conf, compose.published("nginx").keySet().iterator().next(), upstreams, FreePorts.any());
        Tools.Result check = nginx.test();
        assertEquals(0, check.exitCode(), check.err());
        assertTrue(check.err().contains("test is successful"), check.err());
    }

    @Test
    void throughNginxAStreamIsLiveResumesAndSurvivesTheStopOfItsEdge() throws Exception {
        Compose compose = Compose.load(REPO);
        Dockerfile image = Dockerfile.read(REPO.resolve(EDGE_DOCKERFILE));
        List<String> edges = compose.builtFrom(EDGE_DOCKERFILE);
        String prefix = "docker-" + UUID.randomUUID().toString().substring(0, 8) + ":";
        Map<String, ImageProcess> running = new LinkedHashMap<>();
        Map<String, Integer> ports = new LinkedHashMap<>();
        Map<String, String> upstreams = new LinkedHashMap<>();
        Path conf = Path.of(compose.mountAt("nginx", NGINX_CONF_TARGET).orElseThrow().source());
        Nginx nginx = null;
        try {
            for (String edge : edges) {
                int port = FreePorts.any();
                Map<String, String> env = new HashMap<>(compose.env(edge));
                env.put("REDIS_URL", Infra.redis().url());
                env.put("SSE_REDIS_PREFIX", prefix);
                env.put("SSE_HTTP_PORT", String.valueOf(port));
                ImageProcess process = new ImageProcess(REPO, image, env, Path.of("target", "docker", edge + ".log"));
                process.start();
                running.put(edge, process);
                ports.put(edge, port);
                upstreams.put(edge + ":" + containerEnv(compose, edge).get("SSE_HTTP_PORT"), "127.0.0.1:" + port);
            }
            for (ImageProcess process : running.values()) {
                process.awaitHealthy(Duration.ofSeconds(60));
            }
            nginx = Nginx.prepare(conf, compose.published("nginx").keySet().iterator().next(), upstreams, FreePorts.any());
            nginx.start();

            // the token script, with no variable set, signs with the secret compose gives the edges
            Tools.Result token = Tools.run(List.of("sh", "docker/token.sh", "alice"), REPO, Map.of(), 30);
            assertEquals(0, token.exitCode(), token.err());
            Map<String, String> auth = Map.of("Authorization", "Bearer " + token.out().strip());
            String base = "http://127.0.0.1:" + nginx.port();
            URI stream = URI.create(base + "/api/v1/events/executions/e-docker");
            RedisKeys keys = new RedisKeys(prefix);

            try (Jedis redis = new Jedis(URI.create(Infra.redis().url()))) {
                for (int seq = 1; seq <= 3; seq++) {
                    write(redis, keys, seq);
                }
                // like a browser: accepts gzip, which the edge sends flushed per event and nginx passes through
                Map<String, String> browserHeaders = new HashMap<>(auth);
                browserHeaders.put("Accept-Encoding", "gzip, deflate, br");
                try (SseClient browser = SseClient.to(stream).headers(browserHeaders).retry(Duration.ofMillis(200)).start()) {
                    List<SseEvent> first = browser.await(1, Duration.ofSeconds(20));
                    assertEquals(1, first.size(), "no snapshot through nginx:\n" + nginx.errorLog());
                    assertEquals("status", first.get(0).event());
                    assertEquals("3", first.get(0).id());
                    assertEquals("text/event-stream", browser.header("Content-Type").orElse("").split(";")[0]);
                    assertEquals("gzip", browser.header("Content-Encoding").orElse(""), "the edge's compression passes through nginx");
                    String holder = holderOf(ports); // while this is the only stream

                    // not buffered: an event written now reaches the open stream
                    write(redis, keys, 4);
                    List<SseEvent> live = browser.await(2, Duration.ofSeconds(10));
                    assertEquals(2, live.size(), "the event written after connecting did not come through nginx while the stream was open");
                    assertEquals("4", live.get(1).id());
                    assertTrue(browser.connected());

                    // Last-Event-ID reaches the edge: the resumed stream replays what came after it
                    try (SseClient resumed = SseClient.to(stream).headers(auth).lastEventId("2").once().start()) {
                        assertEquals(List.of("3", "4"), resumed.await(2, Duration.ofSeconds(10)).stream().map(SseEvent::id).toList());
                        assertTrue(resumed.header("Content-Encoding").isEmpty(), "nginx itself compresses nothing");
                    }

                    // docker stop of the edge holding the stream: it tells the stream to move, the browser reconnects
                    // through nginx, which sends it to the other edge, and the stopped edge exits cleanly
                    ImageProcess stopping = running.get(holder);
                    stopping.terminate();
                    assertTrue(browser.awaitConnection(2, Duration.ofSeconds(30)), "the browser did not get a stream again through nginx: "
                            + browser.statuses() + "\n" + nginx.errorLog());
                    assertEquals(143, stopping.awaitExit(Duration.ofSeconds(30)), holder + " stops cleanly on SIGTERM:\n" + stopping.output());
                    write(redis, keys, 5);
                    List<SseEvent> all = browser.await(4, Duration.ofSeconds(10));
                    assertEquals(List.of("status", "pod_running", "shutdown", "pod_running"), all.stream().map(SseEvent::event).toList());
                    assertEquals(List.of("3", "4", "5"), all.stream().map(SseEvent::id).filter(java.util.Objects::nonNull).toList(),
                            "every event once, across the move");
                    assertEquals(List.of(200, 200), browser.statuses().subList(0, 2));
                }

                // the other routes: status and health through nginx, metrics only per instance
                HttpResponse<String> status = get(base + "/api/v1/executions/e-docker/status", auth);
                assertEquals(200, status.statusCode(), status.body());
                assertEquals(5, Json.read(status.body(), JsonNode.class).get("last_seq").asLong());
                assertEquals(200, get(base + "/health/ready", Map.of()).statusCode());
                HttpResponse<String> metrics = get(base + "/metrics", Map.of());
                assertEquals(404, metrics.statusCode());
                assertEquals("not_found", Json.read(metrics.body(), JsonNode.class).get("error").asText());

                // no edge left: nginx answers like an edge would, JSON with Retry-After
                for (ImageProcess process : running.values()) {
                    process.terminate();
                    process.awaitExit(Duration.ofSeconds(30));
                }
                HttpResponse<String> down = get(base + "/api/v1/executions/e-docker/status", auth);
                assertEquals(503, down.statusCode(), down.body());
                assertEquals("unavailable", Json.read(down.body(), JsonNode.class).get("error").asText());
                assertTrue(down.headers().firstValue("Retry-After").isPresent());
            }
        } finally {
            if (nginx != null) {
                nginx.close();
            }
            for (ImageProcess process : running.values()) {
                process.close();
            }
        }
    }

    /**
     * The only edge that has sent events so far (while one stream is open). Counted by {@code sse_messages_sent_total}:
     * {@code sse_connections_active} is registered with a weak reference to its source and reads NaN after a GC.
     */
    private static String holderOf(Map<String, Integer> ports) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        Map<String, Double> sent = new LinkedHashMap<>();
        while (System.nanoTime() < deadline) {
            sent.clear();
            for (Map.Entry<String, Integer> edge : ports.entrySet()) {
                Matcher counter = Pattern.compile("(?m)^sse_messages_sent_total\\s+(\\S+)").matcher(get("http://127.0.0.1:" + edge.getValue() + "/metrics", Map.of()).body());
                sent.put(edge.getKey(), counter.find() ? Double.parseDouble(counter.group(1)) : 0);
            }
            List<String> holders = sent.entrySet().stream().filter(e -> e.getValue() > 0).map(Map.Entry::getKey).toList();
            if (holders.size() == 1) {
                return holders.get(0);
            }
            Thread.sleep(100);
        }
        throw new AssertionError("cannot tell which edge holds the stream: " + sent);
    }

    private static HttpResponse<String> get(String url, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        headers.forEach(request::header);
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** An event as the topology writes it: log entry {seq}-0, snapshot, publish, atomically. */
    private static void write(Jedis redis, RedisKeys keys, long seq) {
        String id = "e-docker";
        String envelope = "{\"execution_id\":\"" + id + "\",\"seq\":" + seq + ",\"event_type\":\"pod_running\",\"status\":\"running\",\"data\":{\"n\":" + seq + "}}";
        String snapshot = "{\"execution_id\":\"" + id + "\",\"status\":\"running\",\"owner\":\"alice\",\"last_seq\":" + seq
                + ",\"last_event_type\":\"pod_running\",\"terminal\":false,\"closed\":false}";
        Transaction tx = redis.multi();
        tx.xadd(keys.execLog(id), XAddParams.xAddParams().id(new StreamEntryID(seq, 0)).maxLen(100), Map.of(RedisKeys.LOG_FIELD, envelope));
        tx.set(keys.execStatus(id), snapshot);
        tx.publish(keys.execChannel(id), envelope);
        tx.exec();
    }
}
