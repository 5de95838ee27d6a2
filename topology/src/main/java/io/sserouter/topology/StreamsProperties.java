package io.sserouter.topology;

import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

/** Kafka Streams properties: the product's defaults, then every {@code KAFKA_*} override from the environment. */
public final class StreamsProperties {
    static final int EXACTLY_ONCE_LINGER_MS = 20;
    /** Room for a partition's records of one linger at several thousand events per second and partition. */
    static final int EXACTLY_ONCE_BATCH_BYTES = 256 << 10;

    private StreamsProperties() {
    }

    public static Properties of(TopologySettings settings, TopologyMetrics metrics) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, settings.applicationId());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, TopologySettings.EXACTLY_ONCE);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, settings.threads());
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, -1); // the broker's default
        // The source task merges one partition of each execution topic. Kafka Streams' default (0) waits, before
        // taking a record, until every one of those partitions that has data on the broker has some fetched, then
        // takes the oldest: an instance catching up on a backlog (after a crash or failover) sequences an execution's
        // events in the order they were sent across the topics. Without it (-1) a poll that returned one topic's
        // backlog first let that topic's events, the closing one included, take the early seqs. In 4.3.1 the check
        // formats a log message per empty partition and record, which costs CPU; order is worth it.
        props.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, 0L);
        props.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, settings.deadLetterTopic());
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class);
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class);
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        props.put(DeadLetterHandler.METRICS_CONFIG, metrics);
        props.put(DeadLetterHandler.MAX_BYTES_CONFIG, settings.dlqMaxRecordBytes());
        // Unprefixed client defaults, so a KAFKA_* variable of the same name replaces them.
        // Dead-letter records keep the original value, which may exceed the producer's default 1 MiB.
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, settings.dlqMaxRecordBytes() + (256 << 10));
        if (settings.processingGuarantee().equals(TopologySettings.EXACTLY_ONCE)) {
            // The producer writes a changelog record for every event; every commit (100 ms) flushes it, and what it
            // sent becomes readable only then. Sent every 5 ms in batches of at most 16 KB, those records cost the
            // broker and the producer's I/O thread a quarter of the topology's CPU per event; every 20 ms in batches
            // of up to 256 KB, half of that, and p50 latency did not move (docs/benchmarks.md). Waiting for the whole
            // interval saved no more and left more for the commit to send, which blocks the stream thread.
            props.put(ProducerConfig.LINGER_MS_CONFIG, EXACTLY_ONCE_LINGER_MS);
            props.put(ProducerConfig.BATCH_SIZE_CONFIG, EXACTLY_ONCE_BATCH_BYTES);
        } else {
            // Kafka Streams' own default (100 ms) would add up to 100 ms to every event's trip through the repartition topic.
            props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        }
        // A killed instance's partitions wait until the broker declares it dead: Kafka's default of 45 s stalled
        // its executions for most of a minute. 10 s / 3 s (Kafka's default before 3.0) keeps the stall short while
        // a pause of a few seconds (GC, a busy host) still costs no rebalance.
        props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
        props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 3_000);
        // An instance killed mid-transaction leaves it open, and until the transaction coordinator aborts it, whoever
        // takes over the instance's tasks cannot read past it (changelogs, committed offsets). A restarted instance
        // aborts it at once (same transactional ids); for one that never returns, the coordinator aborts it at its
        // first sweep (every 10 s by default) after this timeout, so Kafka Streams' 10 s made the takeover take 10 to
        // 20 s. Transactions last one commit interval (100 ms), so 5 s still leaves room for a stalled commit.
        props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 5_000);
        if (settings.instanceId() != null) {
            // Static membership: an instance restarted under the same name replaces its dead self in the group at
            // once instead of waiting for the session timeout. Kafka Streams appends the thread index.
            props.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, settings.instanceId());
        }
        props.putAll(settings.kafka());
        return props;
    }
}
