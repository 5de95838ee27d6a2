package io.sserouter.system.fault;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Realistic executions across the three execution topics, each started at its planned moment and its events
 * spread over a few seconds: completed (ending in {@code result_stored}), failed, timed out or cancelled, the closing
 * event always last. Each event carries {@code n} (its place in the execution, 1..count) and {@code sent_at}, so a
 * client's view can be compared with what was sent.
 */
public final class Workload implements AutoCloseable {
    /** One planned execution. */
    public record Planned(String executionId, String userId, long startAtMillis) {
    }

    private static final String[][] START = {
            {"execution_events", "execution_requested"}, {"execution_events", "execution_queued"},
            {"pod_events", "pod_created"}, {"pod_events", "pod_scheduled"}, {"pod_events", "pod_running"},
            {"execution_events", "execution_started"}};

    private final String topicPrefix;
    private final KafkaProducer<String, byte[]> producer;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "fault-workload");
        thread.setDaemon(true);
        return thread;
    });
    private final Random random = new Random(42);
    private final Map<String, AtomicInteger> sent = new ConcurrentHashMap<>();
    private final Map<String, Integer> planned = new ConcurrentHashMap<>();
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private final AtomicInteger eventIds = new AtomicInteger();

    public Workload(String bootstrapServers, String topicPrefix) {
        this.topicPrefix = topicPrefix;
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 2);
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2 << 20);
        producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    /** A lifecycle with one of the contract's outcomes; its last step is the only closing event. */
    private List<String[]> lifecycle() {
        List<String[]> steps = new ArrayList<>(List.of(START));
        int outcome = random.nextInt(100);
        if (outcome < 70) {
            steps.add(new String[] {"pod_events", "pod_succeeded"});
            steps.add(new String[] {"execution_events", "execution_completed"});
            steps.add(new String[] {"execution_results", "result_stored"});
        } else if (outcome < 85) {
            steps.add(new String[] {"pod_events", "pod_failed"});
            steps.add(new String[] {"execution_events", "execution_failed"});
        } else if (outcome < 93) {
            steps.add(new String[] {"execution_events", "execution_timeout"});
        } else {
            steps.add(new String[] {"execution_events", "execution_cancelled"});
        }
        return steps;
    }

    /** Schedules every event of {@code execution}, relative to {@code originMillis}. */
    public void plan(Planned execution, long originMillis) {
        List<String[]> steps = lifecycle();
        planned.put(execution.executionId(), steps.size());
        long at = originMillis + execution.startAtMillis();
        for (int i = 0; i < steps.size(); i++) {
            // the closing event waits longer, so the events before it have been sequenced from every topic
            at += i == steps.size() - 1 ? 500 + random.nextInt(300) : 100 + random.nextInt(300);
            String[] step = steps.get(i);
            int n = i + 1;
            long delay = Math.max(0, at - System.currentTimeMillis());
            scheduler.schedule(() -> send(step[0], execution, step[1], n, ""), delay, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * An execution with {@code events} large events (each {@code padBytes} of payload) then a closing event, sent
     * now and quickly: enough bytes to overflow a stalled client's buffers.
     */
    public void sendBulky(Planned execution, int events, int padBytes) {
        planned.put(execution.executionId(), events + 1);
        String pad = "x".repeat(padBytes);
        scheduler.execute(() -> {
            for (int i = 1; i <= events; i++) {
                send("pod_events", execution, "pod_log", i, ",\"line\":\"" + pad + "\"");
            }
            send("pod_events", execution, "result_stored", events + 1, ""); // same partition: after every log line
        });
    }

    private void send(String topic, Planned execution, String type, int n, String extra) {
        int seqNo = eventIds.incrementAndGet();
        String eventId = seqNo % 2 == 0 ? ",\"event_id\":\"fe-" + seqNo + "\"" : ""; // half identified by source offset
        String json = "{\"event_type\":\"" + type + "\",\"execution_id\":\"" + execution.executionId() + "\",\"n\":" + n
                + ",\"sent_at\":" + System.currentTimeMillis() + eventId + ",\"timestamp\":\"" + Instant.now()
                + "\",\"metadata\":{\"user_id\":\"" + execution.userId() + "\",\"service_name\":\"fault-suite\"}" + extra + "}";
        producer.send(new ProducerRecord<>(topicPrefix + topic, execution.executionId(), json.getBytes(StandardCharsets.UTF_8)),
                (metadata, error) -> {
                    if (error != null) {
                        failure.compareAndSet(null, error);
                    }
                });
        sent.computeIfAbsent(execution.executionId(), k -> new AtomicInteger()).incrementAndGet();
    }

    /** Events sent for {@code executionId} so far. */
    public int sent(String executionId) {
        AtomicInteger count = sent.get(executionId);
        return count == null ? 0 : count.get();
    }

    /** Events planned for {@code executionId}. */
    public int planned(String executionId) {
        return planned.getOrDefault(executionId, 0);
    }

    public long totalSent() {
        return sent.values().stream().mapToLong(AtomicInteger::get).sum();
    }

    public Exception failure() {
        return failure.get();
    }

    /** Waits until every planned event was handed to the producer, then flushes it. */
    public void awaitAllSent(long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < deadline
                && planned.entrySet().stream().anyMatch(e -> sent(e.getKey()) < e.getValue())) {
            Thread.sleep(100);
        }
        producer.flush();
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        producer.close(java.time.Duration.ofSeconds(5));
    }
}
