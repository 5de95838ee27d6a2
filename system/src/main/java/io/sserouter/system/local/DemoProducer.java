package io.sserouter.system.local;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
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
 * streams open on average and at most 3 even in the worst case: the demo page's cap of 4 concurrent streams is not reached, and
 * its queue is there for bursts.
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
        List<String[]> plan = plan();
        long at = 0;
        for (String[] step : plan) {
            at += 150 + random.nextInt(550);
            long delay = at;
            scheduler.schedule(() -> send(step[0], id, step[1], user), delay, TimeUnit.MILLISECONDS);
        }
        return id;
    }

    /** Tells {@code user}, through a notification, that execution {@code id} started. */
    public void announce(String id, String user) {
        String json = "{\"user_id\":\"" + user + "\",\"event_type\":\"execution_started\",\"event_id\":\"" + UUID.randomUUID()
                + "\",\"timestamp\":\"" + Instant.now() + "\",\"execution_id\":\"" + id + "\"}";
        producer.send(new ProducerRecord<>(topicPrefix + "notification_events", user, json.getBytes(StandardCharsets.UTF_8)));
    }

    /** A lifecycle with one of the contract's outcomes. */
    private List<String[]> plan() {
        List<String[]> steps = new ArrayList<>(List.of(
                new String[] {"execution_events", "execution_requested"},
                new String[] {"execution_events", "execution_accepted"},
                new String[] {"execution_events", "execution_queued"},
                new String[] {"pod_events", "pod_created"},
                new String[] {"pod_events", "pod_scheduled"},
                new String[] {"pod_events", "pod_running"},
                new String[] {"execution_events", "execution_started"}));
        int outcome = random.nextInt(100);
        if (outcome < 65) {
            steps.add(new String[] {"pod_events", "pod_succeeded"});
            steps.add(new String[] {"execution_events", "execution.completed"});
            steps.add(new String[] {"execution_results", "result_stored"});
            steps.add(new String[] {"pod_events", "pod_terminated"}); // a straggler after the close
        } else if (outcome < 80) {
            steps.add(new String[] {"pod_events", "pod_failed"});
            steps.add(new String[] {"execution_events", "execution_failed"});
        } else if (outcome < 90) {
            steps.add(new String[] {"execution_events", "execution_timeout"});
            steps.add(new String[] {"pod_events", "pod_deleted"});
        } else {
            steps.add(new String[] {"execution_events", "execution_cancelled"});
            steps.add(new String[] {"pod_events", "pod_deleted"});
        }
        return steps;
    }

    /** One event of execution {@code id}, owned by {@code user}, to {@code topic} (without the run's topic prefix). */
    public void send(String topic, String id, String type, String user) {
        String json = "{\"event_type\":\"" + type + "\",\"execution_id\":\"" + id + "\",\"event_id\":\"" + UUID.randomUUID()
                + "\",\"timestamp\":\"" + Instant.now() + "\",\"metadata\":{\"user_id\":\"" + user + "\",\"service_name\":\"demo\"}"
                + (type.equals("result_stored") ? ",\"stdout\":\"hello from " + id + "\\n\",\"exit_code\":0" : "")
                + (type.equals("pod_running") ? ",\"pod_name\":\"pod-" + id + "\"" : "") + "}";
        producer.send(new ProducerRecord<>(topicPrefix + topic, id, json.getBytes(StandardCharsets.UTF_8)));
        events.incrementAndGet();
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
