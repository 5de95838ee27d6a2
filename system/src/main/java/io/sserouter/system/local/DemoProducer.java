package io.sserouter.system.local;

import io.sserouter.testkit.ExecutionScenario;
import io.sserouter.testkit.ExecutionScenario.Outcome;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Keeps generating realistic executions: the contract's event types from the three execution topics, with the
 * timing jitter that makes pod events overtake execution events, and outcomes that complete, fail, time out or
 * get cancelled. Each execution starts with an {@code execution_started} notification to its owner (that is how a
 * frontend learns of new work: there is no "list executions" endpoint). Also sends the odd user notification and a
 * system {@code version} event now and then.
 *
 * <p>Pace: the owners take turns, so at one new execution a second each user gets one every 3 s. An execution lasts
 * 11 steps of 150-700 ms (about 5 s, at most 7.7 s) and its stream ends 1 s after the closing event, so a user has 2
 * streams open on average and at most 3 even in the worst case: the demo page's cap of 4 concurrent streams (in its
 * per-execution mode) is not reached, and its queue is there for bursts.
 */
public final class DemoProducer implements AutoCloseable {
    public static final List<String> USERS = List.of("alice", "bob", "carol");

    private final KafkaProducer<String, byte[]> producer;
    private final String topicPrefix;
    private final List<String> users;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "demo-producer");
        thread.setDaemon(true);
        return thread;
    });
    private final Random random = new Random();
    private final AtomicLong executions = new AtomicLong();
    private final AtomicLong turn = new AtomicLong();
    private final AtomicLong events = new AtomicLong();
    private volatile String latest = "none yet";

    public DemoProducer(String bootstrapServers) {
        this(bootstrapServers, "", USERS);
    }

    /** Writes to the default topic names behind {@code topicPrefix}, for executions owned by {@code users} in turn. */
    public DemoProducer(String bootstrapServers, String topicPrefix, List<String> users) {
        this.topicPrefix = topicPrefix;
        this.users = List.copyOf(users);
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 1);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    /** Starts a new execution every {@code everyMillis} on average. */
    public void start(long everyMillis) {
        scheduler.scheduleWithFixedDelay(() -> startExecution(), 0, everyMillis, TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(this::notification, 5, 7, TimeUnit.SECONDS);
        scheduler.scheduleWithFixedDelay(this::version, 0, 60, TimeUnit.SECONDS);
    }

    public long executions() {
        return executions.get();
    }

    public String latest() {
        return latest;
    }

    public long events() {
        return events.get();
    }

    /** Announces a new execution to its owner, then plays its lifecycle over the next seconds; returns its id. */
    public String startExecution() {
        String id = "exec-" + UUID.randomUUID().toString().substring(0, 8);
        String user = users.get((int) (turn.getAndIncrement() % users.size()));
        executions.incrementAndGet();
        latest = id;
        announce(id, user);
        ExecutionScenario scenario = scenario(Outcome.pick(random));
        long at = 0;
        for (ExecutionScenario.Event event : scenario.events(id, user)) {
            at += 150 + random.nextInt(550);
            scheduler.schedule(() -> send(event), at, TimeUnit.MILLISECONDS);
        }
        return id;
    }

    /** Tells {@code user}, through a notification, that execution {@code id} started. */
    public void announce(String id, String user) {
        String json = "{\"user_id\":\"" + user + "\",\"event_type\":\"execution_started\",\"event_id\":\"" + UUID.randomUUID()
                + "\",\"timestamp\":\"" + Instant.now() + "\",\"execution_id\":\"" + id + "\"}";
        producer.send(new ProducerRecord<>(topicPrefix + "notification_events", user, json.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * A lifecycle with one of the contract's outcomes, with {@code execution_accepted}, the dotted spelling of
     * {@code execution.completed} and a pod event straggling after the close, as a real cluster sends them.
     */
    private ExecutionScenario scenario(Outcome outcome) {
        return ExecutionScenario.builder().topicPrefix(topicPrefix).serviceName("demo").accepted().dotted().straggler().outcome(outcome).build();
    }

    /** One event, as it is. */
    public void send(ExecutionScenario.Event event) {
        producer.send(event.record());
        events.incrementAndGet();
    }

    /** A record that is not JSON on the execution topic: the topology dead-letters it with a reason. */
    public void malformed() {
        producer.send(new ProducerRecord<>(topicPrefix + "execution_events", "malformed", "{not json".getBytes(StandardCharsets.UTF_8)));
    }

    private void notification() {
        String user = users.get(random.nextInt(users.size()));
        String json = "{\"user_id\":\"" + user + "\",\"event_type\":\"notification\",\"event_id\":\"" + UUID.randomUUID()
                + "\",\"title\":\"Quota\",\"message\":\"You used " + (50 + random.nextInt(50)) + "% of your quota\"}";
        producer.send(new ProducerRecord<>(topicPrefix + "notification_events", user, json.getBytes(StandardCharsets.UTF_8)));
    }

    private void version() {
        String json = "{\"event_type\":\"version\",\"version\":\"0.1.0\",\"timestamp\":\"" + Instant.now() + "\"}";
        producer.send(new ProducerRecord<>(topicPrefix + "system_events", "version", json.getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        producer.close(java.time.Duration.ofSeconds(5));
    }
}
