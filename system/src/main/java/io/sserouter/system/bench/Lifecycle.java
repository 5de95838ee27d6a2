package io.sserouter.system.bench;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/** The execution the benchmarks produce: ten events of a successful run over the three source topics. */
final class Lifecycle {
    static final String[][] STEPS = {
            {"execution_events", "execution_requested"}, {"execution_events", "execution_queued"},
            {"pod_events", "pod_created"}, {"pod_events", "pod_scheduled"}, {"pod_events", "pod_running"},
            {"execution_events", "execution_started"}, {"pod_events", "pod_succeeded"},
            {"execution_events", "execution_completed"}, {"execution_results", "result_stored"}, {"execution_events", "custom_log"}};

    private Lifecycle() {
    }

    static int length() {
        return STEPS.length;
    }

    /** The three source topics, each name prefixed by {@code run}. */
    static List<String> sourceTopics(String run) {
        return Arrays.stream(STEPS).map(s -> run + s[0]).distinct().toList();
    }

    /** Sends step {@code step} of execution {@code id} to its source topic (prefixed by {@code run}), keyed by the id. */
    static void send(KafkaProducer<String, byte[]> producer, String run, String id, int step, boolean stamped) {
        producer.send(new ProducerRecord<>(run + STEPS[step][0], id, record(id, step, stamped)));
    }

    /**
     * The record of one step; {@code event_id} is {@code id-step}. A stamped record carries its send time
     * ({@code sent_ns}, this JVM's nanoTime), which travels in the envelope's {@code data} to whoever receives it.
     */
    static byte[] record(String id, int step, boolean stamped) {
        String json = "{\"event_type\":\"" + STEPS[step][1] + "\",\"execution_id\":\"" + id + "\",\"event_id\":\"" + id + "-" + step
                + "\",\"timestamp\":\"2026-11-24T00:00:00Z\",\"metadata\":{\"user_id\":\"u" + (id.hashCode() & 63) + "\"}"
                + (stamped ? ",\"sent_ns\":" + System.nanoTime() : "") + ",\"payload\":\"" + "x".repeat(64) + "\"}";
        return json.getBytes(StandardCharsets.UTF_8);
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
