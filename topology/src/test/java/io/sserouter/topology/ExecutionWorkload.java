package io.sserouter.topology;

import com.fasterxml.jackson.databind.JsonNode;
import io.sserouter.contract.Json;
import io.sserouter.contract.RedisKeys;
import io.sserouter.testkit.ExecutionScenario;
import io.sserouter.testkit.PubSubRecorder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.resps.StreamEntry;

/**
 * The testkit's successful execution, sent execution by execution and step by step, and what Redis must then hold:
 * every event exactly once, seqs 1..count, per-topic order kept. Every other event carries an event_id, the others
 * are identified by their source record.
 */
final class ExecutionWorkload {
    private final ExecutionScenario scenario;
    private final Map<String, List<Sent>> sent = new LinkedHashMap<>();
    private int total;

    record Sent(int n, String topic, String type) {
    }

    ExecutionWorkload(String topicPrefix) {
        this.scenario = ExecutionScenario.builder().topicPrefix(topicPrefix).eventIds(ExecutionScenario.EventIds.EVERY_OTHER).build();
    }

    static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    /** Events in one execution. */
    int steps() {
        return scenario.size();
    }

    /** How a producer puts an execution's record on a partition. */
    interface Keying {
        ProducerRecord<String, byte[]> record(String executionId, int step, ExecutionScenario.Event event);
    }

    /** Keyed by execution id, default partitioner: what producers usually do. */
    static final Keying BY_EXECUTION = (id, step, event) -> event.record();

    /**
     * Keyed by something else than the execution id (here an owner), default partitioner: all of an execution's
     * records of one topic still share a partition, but rarely its execution id's.
     */
    static final Keying BY_OWNER = (id, step, event) ->
            new ProducerRecord<>(event.topic(), "owner-" + (id.hashCode() & 7), event.value().getBytes(java.nio.charset.StandardCharsets.UTF_8));

    /** Sends event {@code step} of execution {@code id}, keyed by execution id as producers usually do. */
    void send(KafkaProducer<String, byte[]> producer, String id, int step) {
        send(producer, id, step, BY_EXECUTION);
    }

    /** Sends event {@code step} of execution {@code id} as {@code keying} puts it. */
    void send(KafkaProducer<String, byte[]> producer, String id, int step, Keying keying) {
        ExecutionScenario.Event event = scenario.event(id, "user-" + (id.hashCode() & 7), step);
        producer.send(keying.record(id, step, event));
        sent.computeIfAbsent(id, k -> new ArrayList<>()).add(new Sent(event.n(), event.topic(), event.eventType()));
        total++;
    }

    /** Advances executions {@code idPrefix}0 .. {@code idPrefix}(count-1) by their step {@code step}. */
    void sendRound(KafkaProducer<String, byte[]> producer, String idPrefix, int count, int step) {
        sendRound(producer, idPrefix, count, step, BY_EXECUTION);
    }

    void sendRound(KafkaProducer<String, byte[]> producer, String idPrefix, int count, int step, Keying keying) {
        for (int e = 0; e < count; e++) {
            send(producer, idPrefix + e, step, keying);
        }
    }

    Map<String, List<Sent>> sent() {
        return sent;
    }

    int total() {
        return total;
    }

    /** Waits until every execution's snapshot shows all its events; returns the ones still behind. */
    List<String> awaitComplete(Jedis redis, RedisKeys keys, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> behind = new ArrayList<>(sent.keySet());
        while (!behind.isEmpty() && System.nanoTime() < deadline) {
            behind.removeIf(id -> {
                String snapshot = redis.get(keys.execStatus(id));
                return snapshot != null && Json.read(snapshot, JsonNode.class).get("last_seq").asLong() >= sent.get(id).size();
            });
            if (!behind.isEmpty()) {
                Thread.sleep(200);
            }
        }
        return behind;
    }

    /** Every problem found in Redis, one line each; empty when every execution is exact. */
    List<String> verify(Jedis redis, RedisKeys keys, PubSubRecorder published) {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, List<Sent>> execution : sent.entrySet()) {
            String id = execution.getKey();
            List<StreamEntry> log = redis.xrange(keys.execLog(id), (StreamEntryID) null, (StreamEntryID) null);
            List<Long> seqs = new ArrayList<>();
            Map<Integer, Integer> seen = new HashMap<>();
            Map<String, Integer> lastPerTopic = new HashMap<>();
            for (StreamEntry entry : log) {
                JsonNode envelope = Json.read(entry.getFields().get(RedisKeys.LOG_FIELD), JsonNode.class);
                long seq = envelope.get("seq").asLong();
                seqs.add(seq);
                if (!entry.getID().toString().equals(seq + "-0")) {
                    problems.add(id + ": entry id " + entry.getID() + " holds seq " + seq);
                }
                int n = envelope.get("data").get("n").asInt();
                seen.merge(n, 1, Integer::sum);
                String topic = envelope.get("data").has("event_type") ? topicOf(execution.getValue(), n) : "?";
                Integer previous = lastPerTopic.put(topic, n);
                if (previous != null && previous > n) {
                    problems.add(id + ": event " + n + " of " + topic + " relayed after " + previous);
                }
            }
            List<Long> expected = new ArrayList<>();
            for (long s = 1; s <= execution.getValue().size(); s++) {
                expected.add(s);
            }
            if (!seqs.equals(expected)) {
                problems.add(id + ": seqs " + seqs + ", expected 1.." + execution.getValue().size());
            }
            Set<Integer> wanted = new HashSet<>();
            execution.getValue().forEach(s -> wanted.add(s.n()));
            if (!seen.keySet().equals(wanted)) {
                problems.add(id + ": events " + seen.keySet() + ", expected " + wanted);
            }
            seen.forEach((n, times) -> {
                if (times > 1) {
                    problems.add(id + ": event " + n + " logged " + times + " times");
                }
            });
            if (published != null) {
                List<Long> live = published.on(keys.execChannel(id)).stream()
                        .map(body -> Json.read(body, JsonNode.class).get("seq").asLong()).toList();
                if (!live.equals(expected)) {
                    problems.add(id + ": published seqs " + live + ", expected 1.." + execution.getValue().size());
                }
            }
        }
        return problems;
    }

    private static String topicOf(List<Sent> sent, int n) {
        return sent.stream().filter(s -> s.n() == n).map(Sent::topic).findFirst().orElse("?");
    }
}
