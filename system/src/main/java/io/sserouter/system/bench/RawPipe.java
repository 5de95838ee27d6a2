package io.sserouter.system.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.sserouter.contract.EventTypes;
import io.sserouter.contract.ExecutionEnvelope;
import io.sserouter.contract.ExecutionStatus;
import io.sserouter.contract.Json;
import io.sserouter.contract.StatusSnapshot;
import io.sserouter.topology.RedisSink;
import io.sserouter.topology.SinkWrite;
import io.sserouter.topology.TopologySettings;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The baseline the topology is measured against: plain Kafka consumers (no Kafka Streams, so no repartition topic,
 * no changelog, no transactions, no outbox) that read the execution source topics and make the same Redis writes as
 * the topology, through the same {@link RedisSink} script (log XADD, snapshot SET, PUBLISH), one pipeline per poll.
 * The seq is a per-execution counter in a HashMap: lost with the process, and only correct because each thread
 * owns partition p of every source topic (the producer keys by execution id, so an execution's events share p in
 * all three). What the topology does beyond this is what its guarantees cost.
 *
 * <p>It reads the backlog (offsets below {@code backlogEnd}), skips whatever others appended to the same topics
 * after it (the topology's paced events, earlier raw runs' paced events), and after {@link #goLive()} reads
 * everything produced from then on.
 */
final class RawPipe implements PublishMeter.Pipeline {
    private record State(long seq, ExecutionStatus status, String owner, boolean closed) {
    }

    private final String bootstrap;
    private final List<String> topics;
    private final int partitions;
    private final Map<TopicPartition, Long> backlogEnd;
    private volatile Map<TopicPartition, Long> liveFrom = Map.of();
    private final RedisSink sink;
    private final List<KafkaConsumer<String, byte[]>> consumers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong skipped = new AtomicLong();
    private volatile boolean running = true;

    /**
     * @param sinkEnv the topology's environment (Redis URL, prefix, log length and TTLs), so the writes are the same
     */
    RawPipe(String bootstrap, List<String> topics, int partitions, int threadCount, String group, Map<String, String> sinkEnv,
            Map<TopicPartition, Long> backlogEnd) {
        this.bootstrap = bootstrap;
        this.topics = topics;
        this.partitions = partitions;
        this.backlogEnd = backlogEnd;
        TopologySettings settings = TopologySettings.fromEnv(sinkEnv);
        this.sink = new RedisSink(settings.redis(), settings);
        for (int t = 0; t < threadCount; t++) {
            KafkaConsumer<String, byte[]> consumer = consumer(group);
            List<TopicPartition> mine = new ArrayList<>();
            for (int p = t; p < partitions; p += threadCount) {
                for (String topic : topics) {
                    mine.add(new TopicPartition(topic, p));
                }
            }
            // assigned by hand rather than by the group protocol, so an execution never moves between threads
            // (and its in-memory counter with it); the group still holds the committed offsets
            consumer.assign(mine);
            consumer.seekToBeginning(mine);
            consumers.add(consumer);
            Thread thread = new Thread(() -> loop(consumer), "raw-pipe-" + t);
            thread.setDaemon(true);
            threads.add(thread);
        }
        threads.forEach(Thread::start);
    }

    @Override
    public void goLive() throws Exception {
        liveFrom = BenchKit.endOffsets(bootstrap, topics, partitions);
    }

    private void loop(KafkaConsumer<String, byte[]> consumer) {
        Map<String, State> executions = new HashMap<>();
        try {
            while (running) {
                ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(100));
                List<SinkWrite> batch = new ArrayList<>(records.count());
                for (ConsumerRecord<String, byte[]> record : records) {
                    SinkWrite write = ours(record) ? sequence(record, executions) : null;
                    if (write == null) {
                        skipped.incrementAndGet();
                    } else {
                        batch.add(write);
                    }
                }
                if (!batch.isEmpty()) {
                    write(batch);
                }
            }
        } catch (WakeupException | InterruptedException stopping) {
            // closed
        } finally {
            consumer.close(Duration.ofSeconds(1));
        }
    }

    /** The backlog, and what was produced after {@link #goLive()}; not what others added to the topics in between. */
    private boolean ours(ConsumerRecord<String, byte[]> record) {
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        return record.offset() < backlogEnd.getOrDefault(tp, 0L) || record.offset() >= liveFrom.getOrDefault(tp, Long.MAX_VALUE);
    }

    /** The envelope and snapshot the topology would write, or null for a record it would dead-letter. */
    private static SinkWrite sequence(ConsumerRecord<String, byte[]> record, Map<String, State> executions) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(record.value());
        } catch (IOException notJson) {
            return null;
        }
        String id = root.path("execution_id").textValue();
        String rawType = root.path("event_type").textValue();
        if (id == null || rawType == null) {
            return null;
        }
        String type = EventTypes.normalise(rawType);
        String eventId = root.path("event_id").textValue();
        String timestamp = root.path("timestamp").textValue();
        State before = executions.getOrDefault(id, new State(0, ExecutionStatus.REQUESTED, null, false));
        ExecutionStatus status = before.status().advance(EventTypes.statusOf(type));
        String owner = before.owner() != null ? before.owner() : root.path("metadata").path("user_id").textValue();
        State after = new State(before.seq() + 1, status, owner, before.closed() || EventTypes.closes(type));
        executions.put(id, after);
        ExecutionEnvelope envelope = new ExecutionEnvelope(id, after.seq(), type, status, timestamp, eventId, root);
        StatusSnapshot snapshot = new StatusSnapshot(id, status, owner, after.seq(), type, status.terminal(), after.closed(),
                Instant.now().toString(), timestamp);
        String source = record.topic() + "/" + record.partition() + "/" + record.offset();
        // the same Redis writes as the topology, the owner's log included (events before the owner are not, a rare case)
        return new SinkWrite(SinkWrite.Kind.EXECUTION, id, after.seq(), eventId, source, Json.write(envelope), Json.write(snapshot),
                after.closed(), owner, List.of());
    }

    private void write(List<SinkWrite> batch) throws InterruptedException {
        while (running) {
            try {
                sink.write(batch);
                return;
            } catch (RedisSink.UnavailableException e) {
                Thread.sleep(50);
            }
        }
    }

    private KafkaConsumer<String, byte[]> consumer(String group) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
        return new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumers.forEach(KafkaConsumer::wakeup);
        for (Thread thread : threads) {
            thread.join(5_000);
        }
        sink.close();
        System.out.printf("   raw pipe skipped %d records (warm-up records, and others' records appended after the backlog)%n", skipped.get());
    }
}
