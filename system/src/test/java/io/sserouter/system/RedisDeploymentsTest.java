package io.sserouter.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sserouter.contract.Json;
import io.sserouter.contract.RedisKeys;
import io.sserouter.edge.EdgeApp;
import io.sserouter.edge.EdgeSettings;
import io.sserouter.testkit.ExecutionScenario;
import io.sserouter.testkit.Infra;
import io.sserouter.testkit.RedisCluster;
import io.sserouter.testkit.RedisProcess;
import io.sserouter.testkit.RedisSentinelGroup;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * The topology and the edge against a real Redis Cluster (3 masters, 3 replicas) and a real Sentinel group: every
 * execution's events reach an SSE client exactly once, in order, live and on resume, with the executions' keys
 * spread over the cluster's masters.
 */
class RedisDeploymentsTest {
    private static final Tokens TOKENS = Tokens.hs256();
    /** One thread per reading client: they all wait at once, for the whole stream. */
    private static final ExecutorService READERS = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "sse-reader");
        thread.setDaemon(true);
        return thread;
    });
    private static final int EXECUTIONS = 6;
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void aClusterCarriesEveryExecutionExactly() throws Exception {
        try (RedisCluster cluster = RedisCluster.start()) {
            String run = "cluster-";
            List<String> ids = runExecutions(run, cluster.url());
            RedisKeys keys = new RedisKeys(run);
            Set<RedisProcess> owners = new HashSet<>();
            ids.forEach(id -> owners.add(cluster.masterOf(keys.execLog(id))));
            assertTrue(owners.size() > 1, "the executions' keys live on several masters");
        }
    }

    @Test
    void aSentinelGroupCarriesEveryExecutionExactly() throws Exception {
        try (RedisSentinelGroup group = RedisSentinelGroup.start()) {
            runExecutions("sentinel-", group.url());
        }
    }

    /** Runs {@value EXECUTIONS} executions of alice's through a topology and an edge on {@code redisUrl}; returns their ids. */
    private static List<String> runExecutions(String run, String redisUrl) throws Exception {
        Map<String, String> env = RunEnv.of(run, redisUrl);
        env.put("SSE_CONSUMER_POOL_SIZE", "1");
        env.put("SSE_JWT_SECRET", TOKENS.secret());
        ExecutionScenario scenario = ExecutionScenario.completed(run);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < EXECUTIONS; i++) {
            ids.add("e-" + run + i);
        }
        int size = scenario.size();
        try (TopologyApp topology = TopologyApp.start(TopologySettings.fromEnv(env));
             EdgeApp edge = EdgeApp.start(EdgeSettings.fromEnv(env));
             KafkaProducer<String, byte[]> producer = producer()) {
            assertTrue(topology.awaitRunning(WAIT));
            String base = "http://127.0.0.1:" + edge.port();

            // a client per execution, connected before its first event: every event live, from seq 1, then the end
            List<CompletableFuture<List<SseEvent>>> live = new ArrayList<>();
            for (String id : ids) {
                live.add(CompletableFuture.supplyAsync(() -> read(base + "/api/v1/events/executions/" + id, null, size), READERS));
            }
            Thread.sleep(500);
            for (int step = 0; step < size; step++) {
                for (String id : ids) {
                    producer.send(scenario.event(id, "alice", step).record()).get();
                }
            }
            for (int i = 0; i < EXECUTIONS; i++) {
                List<SseEvent> events = live.get(i).get(WAIT.toSeconds(), TimeUnit.SECONDS);
                assertEquals(LongStream.rangeClosed(1, size).boxed().toList(), seqs(events), "live events of " + ids.get(i));
            }

            // resumed from the log after the end
            List<SseEvent> resumed = read(base + "/api/v1/events/executions/" + ids.get(0), "2", size);
            assertEquals(LongStream.rangeClosed(3, size).boxed().toList(), seqs(resumed));

            // the owner's index and every snapshot, read across slots
            HttpResponse<String> mine = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/api/v1/executions"))
                    .header("Authorization", "Bearer " + TOKENS.user("alice", Duration.ofMinutes(10))).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, mine.statusCode(), mine.body());
            assertEquals(Set.copyOf(ids), Set.copyOf(Json.read(mine.body(), JsonNode.class).get("executions").findValuesAsText("execution_id")));
        }
        return ids;
    }

    private static List<SseEvent> read(String url, String lastEventId, int stopAfter) {
        try (SseClient client = SseClient.to(URI.create(url)).bearer(TOKENS.user("alice", Duration.ofMinutes(10)))
                .lastEventId(lastEventId).once().start(WAIT)) {
            return client.await(stopAfter, WAIT).stream().filter(e -> e.id() != null).toList();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static List<Long> seqs(List<SseEvent> events) {
        return events.stream().map(e -> Long.parseLong(e.id())).toList();
    }

    private static KafkaProducer<String, byte[]> producer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, Infra.kafka().bootstrapServers());
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }
}
