package io.sserouter.system.fault;

import io.sserouter.testkit.ExecutionScenario;
import io.sserouter.testkit.ExecutionScenario.EventIds;
import io.sserouter.testkit.ExecutionScenario.Outcome;
import io.sserouter.testkit.ExecutionScenario.Step;
import java.util.LinkedHashMap;
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
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The testkit's realistic executions, each started at its planned moment and its events spread over a few seconds:
 * completed (ending in {@code result_stored}), failed, timed out or cancelled, the closing event always last. Each
 * event carries {@code n} (its place in the execution, 1..count) and {@code sent_at}, so a client's view can be
 * compared with what was sent; every other event has an event_id, the rest are identified by their source record.
 */
public final class Workload implements AutoCloseable {
    /** One planned execution. */
    public record Planned(String executionId, String userId, long startAtMillis) {
    }

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
    private ExecutionScenario scenario(Outcome outcome) {
        return ExecutionScenario.builder().topicPrefix(topicPrefix).outcome(outcome).eventIds(EventIds.EVERY_OTHER)
                .serviceName("fault-suite").build();
    }

    /** Schedules every event of {@code execution}, relative to {@code originMillis}. */
    public void plan(Planned execution, long originMillis) {
        ExecutionScenario scenario = scenario(Outcome.pick(random));
        int steps = scenario.size();
        planned.put(execution.executionId(), steps);
        long at = originMillis + execution.startAtMillis();
        for (int i = 0; i < steps; i++) {
            // the closing event waits longer, so the events before it have been sequenced from every topic
            at += i == steps - 1 ? 500 + random.nextInt(300) : 100 + random.nextInt(300);
            int step = i;
            long delay = Math.max(0, at - System.currentTimeMillis());
            scheduler.schedule(() -> send(scenario.event(execution.executionId(), execution.userId(), step, sentNow())), delay, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * An execution with {@code events} large events (each {@code padBytes} of payload) then a closing event, sent
     * now and quickly: enough bytes to overflow a stalled client's buffers.
     */
    public void sendBulky(Planned execution, int events, int padBytes) {
        planned.put(execution.executionId(), events + 1);
        ExecutionScenario scenario = scenario(Outcome.COMPLETED);
        String id = execution.executionId();
        String pad = "x".repeat(padBytes);
        scheduler.execute(() -> {
            for (int n = 1; n <= events; n++) {
                Map<String, Object> line = new LinkedHashMap<>(sentNow());
                line.put("line", pad);
                send(scenario.event(new Step(ExecutionScenario.POD_EVENTS, "pod_log"), id, execution.userId(), n, id + "-" + n, line));
            }
            // same partition: after every log line
            send(scenario.event(new Step(ExecutionScenario.POD_EVENTS, "result_stored"), id, execution.userId(), events + 1, null, sentNow()));
        });
    }

    private static Map<String, Long> sentNow() {
        return Map.of("sent_at", System.currentTimeMillis());
    }

    private void send(ExecutionScenario.Event event) {
        producer.send(event.record(), (metadata, error) -> {
            if (error != null) {
                failure.compareAndSet(null, error);
            }
        });
        sent.computeIfAbsent(event.key(), k -> new AtomicInteger()).incrementAndGet();
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
