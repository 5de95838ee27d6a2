package io.sserouter.system.bench;

import io.sserouter.testkit.ExecutionScenario;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The execution the benchmarks produce: the testkit's successful execution with one event of an unknown type, ten
 * events over the three source topics, each with a 64-byte payload and owned by one of 64 users. A benchmark of long
 * executions gives it more events of the unknown type, and UUIDs for event ids ({@link #configure}).
 */
final class Lifecycle {
    private static int progressEvents = 1;
    private static ExecutionScenario.EventIds eventIds = ExecutionScenario.EventIds.EVERY;
    private static ExecutionScenario PLAIN = scenario("");

    private Lifecycle() {
    }

    private static ExecutionScenario scenario(String run) {
        return ExecutionScenario.builder().topicPrefix(run).unknownType("custom_log", progressEvents).eventIds(eventIds)
                .field("payload", "x".repeat(64)).build();
    }

    /**
     * Makes every execution longer, {@code n} events of the unknown type instead of one, and gives the events ids of
     * another form (set before any is sent).
     */
    static void configure(int n, ExecutionScenario.EventIds ids) {
        progressEvents = n;
        eventIds = ids;
        PLAIN = scenario("");
    }

    static int length() {
        return PLAIN.size();
    }

    /** The three source topics, each name prefixed by {@code run}. */
    static List<String> sourceTopics(String run) {
        return scenario(run).sourceTopics();
    }

    /** Sends step {@code step} of execution {@code id} to its source topic (prefixed by {@code run}), keyed by the id. */
    static void send(KafkaProducer<String, byte[]> producer, String run, String id, int step, boolean stamped) {
        ExecutionScenario.Event event = PLAIN.event(id, owner(id), step, stamp(stamped));
        producer.send(new ProducerRecord<>(run + event.topic(), id, event.value().getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * The record of one step; its {@code event_id} is {@link #eventId}. A stamped record carries its send time
     * ({@code sent_ns}, this JVM's nanoTime), which travels in the envelope's {@code data} to whoever receives it.
     */
    static byte[] record(String id, int step, boolean stamped) {
        return PLAIN.event(id, owner(id), step, stamp(stamped)).value().getBytes(StandardCharsets.UTF_8);
    }

    static String eventId(String id, int step) {
        return PLAIN.eventId(id, step);
    }

    private static String owner(String id) {
        return "u" + (id.hashCode() & 63);
    }

    private static Map<String, Long> stamp(boolean stamped) {
        return stamped ? Map.of("sent_ns", System.nanoTime()) : Map.of();
    }

    /** The {@code sent_ns} stamp in a received message, or -1 when it has none. */
    static long sentNanos(String message) {
        int at = message.indexOf("\"sent_ns\":");
        if (at < 0) {
            return -1;
        }
        int end = at + 10;
        while (end < message.length() && Character.isDigit(message.charAt(end))) {
            end++;
        }
        return Long.parseLong(message.substring(at + 10, end));
    }
}
