package io.sserouter.testkit;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Kafka partitions that a test or benchmark has just created. */
public final class Partitions {
    private Partitions() {
    }

    /**
     * Sends one acknowledged record (not JSON: the topology dead-letters it) to each partition of new topics. A burst
     * of idempotent sends to a partition whose leader is not settled yet can fail its first batch with NOT_LEADER and
     * then every later one with OUT_OF_ORDER_SEQUENCE, losing records silently for a caller that does not wait.
     */
    public static void warmUp(KafkaProducer<String, byte[]> producer, List<String> topics, int partitions)
            throws InterruptedException, ExecutionException {
        for (String topic : topics) {
            for (int p = 0; p < partitions; p++) {
                producer.send(new ProducerRecord<>(topic, p, null, "warm-up".getBytes(StandardCharsets.UTF_8))).get();
            }
        }
    }
}
