package io.sserouter.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sserouter.contract.Json;
import io.sserouter.contract.RedisKeys;
import io.sserouter.testkit.ExecutionScenario;
import io.sserouter.testkit.Infra;
import io.sserouter.testkit.Partitions;
import io.sserouter.testkit.RunEnv;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.resps.StreamEntry;

/**
 * An instance that starts behind (after a crash, a failover or a deploy) catches up on a backlog of all three
 * execution topics at once. It must still sequence an execution's events in the order they were sent across the
 * topics: otherwise the closing event, which producers send last, can take an early seq, the streams of that
 * execution end after their linger, and the events sent before it arrive as stragglers after the end.
 */
class CatchUpOrderTest {
    private static final int EXECUTIONS = 400;

    @Test
    void aBacklogOfSeveralTopicsIsSequencedInTheOrderItWasSent() throws Exception {
        String run = "catchup-";
        Map<String, String> env = RunEnv.of(run);
        ExecutionScenario scenario = ExecutionScenario.completed(run);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, Infra.kafka().bootstrapServers()))) {
            List<NewTopic> topics = new ArrayList<>();
            for (String topic : scenario.sourceTopics()) {
                topics.add(new NewTopic(topic, Integer.parseInt(env.get("SSE_PARTITIONS")), (short) 1));
            }
            admin.createTopics(topics).all().get();
        }
        // the backlog: step by step across every execution, a step's records a little later than the step before
        try (KafkaProducer<String, byte[]> producer = producer()) {
            Partitions.warmUp(producer, scenario.sourceTopics(), Integer.parseInt(env.get("SSE_PARTITIONS")));
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            for (int step = 0; step < scenario.size(); step++) {
                for (int e = 0; e < EXECUTIONS; e++) {
                    sends.add(producer.send(scenario.event("cu-" + e, "alice", step).record()));
                }
                producer.flush();
                Thread.sleep(5);
            }
            for (Future<RecordMetadata> send : sends) {
                send.get(); // every record of the backlog is in Kafka
            }
        }
        List<String> sent = scenario.steps().stream().map(ExecutionScenario.Step::eventType).toList();
        RedisKeys keys = new RedisKeys(run);
        try (TopologyApp app = TopologyApp.start(TopologySettings.fromEnv(env));
             Jedis redis = new Jedis(URI.create(Infra.redis().url()))) {
            assertTrue(app.awaitRunning(Duration.ofSeconds(60)));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            for (int e = 0; e < EXECUTIONS; e++) {
                while (redis.xlen(keys.execLog("cu-" + e)) < sent.size() && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
            }
            for (int e = 0; e < EXECUTIONS; e++) {
                List<String> sequenced = new ArrayList<>();
                for (StreamEntry entry : redis.xrange(keys.execLog("cu-" + e), (StreamEntryID) null, (StreamEntryID) null)) {
                    sequenced.add(Json.read(entry.getFields().get(RedisKeys.LOG_FIELD), JsonNode.class).path("event_type").asText());
                }
                assertEquals(sent, sequenced, "cu-" + e + ": seq 1.." + sent.size() + " in the order sent, the closing event last");
            }
        }
    }

    private static KafkaProducer<String, byte[]> producer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, Infra.kafka().bootstrapServers());
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }
}
