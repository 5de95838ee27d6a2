package io.sserouter.topology;

import io.sserouter.contract.Json;
import io.sserouter.contract.NotificationEnvelope;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The one topology of the product, used by {@code Main} and by every test.
 *
 * <pre>
 * repartitioned path:
 * execution topics ─► stamp ─► key by execution_id ─► repartition "unified" ─► sequence and write (execution-status) ─► Redis
 * direct path (co-partitioned execution topics, {@link Routing}):
 * execution topics ─► stamp ─► key by execution_id ─┬─ on its execution's partition ───────────────┬─► sequence and write ─► Redis
 *                                                   └─ elsewhere ─► repartition "unified" ─► (same task)┘
 *   (while a task starts, also events on their own partition take the lower branch: {@link DirectHandover})
 * notification topic ─► stamp ─► outbox ─► Redis (sse:notif:{user})
 * system topic ─► stamp ─► outbox ─► Redis (sse:broadcast + latest per type)
 * </pre>
 * Invalid records never enter: the source deserializer rejects them and the configured handler dead-letters them.
 */
public final class TopologyFactory {
    /**
     * A store's changelog gets every update (one per event), and a new owner of the task reads all of it. Kafka
     * compacts only closed segments, and with the broker's 1 GiB segments most of a day's updates would stay
     * uncompacted: smaller segments let compaction keep the restore near one record per key.
     */
    private static final Map<String, String> CHANGELOG_CONFIG = Map.of(TopicConfig.SEGMENT_BYTES_CONFIG, String.valueOf(64 << 20));

    private TopologyFactory() {
    }

    /** The topology where 'unified' holds nothing unread when a task starts, as in a new TopologyTestDriver. */
    public static Topology build(TopologySettings settings, Routing routing, EventSink sink, TopologyMetrics metrics) {
        return build(settings, routing, sink, metrics, UnifiedBacklog.NONE);
    }

    /** The topology; {@code backlog} tells a starting task on the direct path whether 'unified' holds unread records. */
    static Topology build(TopologySettings settings, Routing routing, EventSink sink, TopologyMetrics metrics, UnifiedBacklog backlog) {
        StreamsBuilder builder = new StreamsBuilder();
        Serde<Inbound> internal = JsonSerde.of(Inbound.class);

        StoreSerde.Format format = settings.storeFormat().equals(TopologySettings.JSON_STORE) ? StoreSerde.Format.JSON : StoreSerde.Format.COMPACT;
        StoreBuilder<KeyValueStore<String, ExecutionState>> status = store(Catalogue.STATUS_STORE, StoreSerde.states(format));
        // Under at-least-once (a commit every 30 s) the record cache folds an execution's puts between commits into
        // one changelog record. Under exactly-once (100 ms) it folds almost nothing, and flushing it lengthens each
        // commit, which is when repartitioned records become readable: about 25 ms more latency, measured.
        builder.addStateStore(settings.processingGuarantee().equals(TopologySettings.AT_LEAST_ONCE) ? status.withCachingEnabled() : status);
        builder.addStateStore(store(Catalogue.NOTIFICATION_OUTBOX, StoreSerde.writes(format)));
        builder.addStateStore(store(Catalogue.SYSTEM_OUTBOX, StoreSerde.writes(format)));

        KStream<byte[], Inbound> executions = null;
        for (String topic : settings.executionTopics()) {
            KStream<byte[], Inbound> stream = source(builder, topic, InboundDeserializer.Kind.EXECUTION, settings);
            executions = executions == null ? stream : executions.merge(stream, Named.as(Catalogue.MERGE_EXECUTIONS + "-" + topic));
        }
        KStream<String, Inbound> keyed = executions
                .processValues(StampSource::new, Named.as(Catalogue.STAMP_EXECUTIONS))
                .selectKey((key, event) -> event.executionId(), Named.as(Catalogue.KEY_BY_EXECUTION));
        Repartitioned<String, Inbound> unified = Repartitioned.with(Serdes.String(), internal)
                .withName(Catalogue.UNIFIED)
                .withNumberOfPartitions(routing.partitions());
        KStream<String, Inbound> sequenced;
        DirectHandover handover = routing.isDirect() ? new DirectHandover(backlog) : null;
        if (routing.isDirect()) {
            // Sequenced in the task that read it when it is on its execution's partition; otherwise through 'unified',
            // keyed by execution id over as many partitions as the sources: the default partitioner then writes it to
            // that partition, and the same sub-topology reads it, so task p is the one sequencer of every execution on
            // p. It is stamped before, so a record sent there twice (at-least-once, after a crash) is a known repeat.
            // While a task starts, events on their own partition go through 'unified' too (DirectHandover): the
            // decision is stateful, so it is taken once per record, by a split.
            Map<String, KStream<String, Inbound>> routes = keyed.split(Named.as(Catalogue.ROUTE_EXECUTIONS))
                    .branch((id, event) -> routing.placed(id, event.sourcePartition()) && handover.sequenceWhereRead(id, event),
                            Branched.as(Catalogue.WHERE_READ))
                    .defaultBranch(Branched.as(Catalogue.VIA_UNIFIED));
            KStream<String, Inbound> rerouted = routes.get(Catalogue.ROUTE_EXECUTIONS + Catalogue.VIA_UNIFIED)
                    .peek((id, event) -> metrics.rerouted(routing.placed(id, event.sourcePartition())), Named.as(Catalogue.COUNT_REROUTED))
                    .repartition(unified);
            sequenced = routes.get(Catalogue.ROUTE_EXECUTIONS + Catalogue.WHERE_READ).merge(rerouted, Named.as(Catalogue.MERGE_REROUTED));
        } else {
            sequenced = keyed.repartition(unified);
        }
        sequenced.process(() -> new ExecutionSequencer(settings, handover, sink, metrics), Named.as(Catalogue.SEQUENCE), Catalogue.STATUS_STORE);

        source(builder, settings.notificationTopic(), InboundDeserializer.Kind.NOTIFICATION, settings)
                .processValues(StampSource::new, Named.as(Catalogue.STAMP_NOTIFICATIONS))
                .mapValues(event -> publication(SinkWrite.Kind.NOTIFICATION, event.userId(), event, metrics), Named.as("to-notification-write"))
                .process(() -> new RedisOutbox<>(Catalogue.NOTIFICATION_OUTBOX, sink, settings, metrics),
                        Named.as(Catalogue.SINK_NOTIFICATIONS), Catalogue.NOTIFICATION_OUTBOX);

        source(builder, settings.systemTopic(), InboundDeserializer.Kind.SYSTEM, settings)
                .processValues(StampSource::new, Named.as(Catalogue.STAMP_SYSTEM))
                .mapValues(event -> publication(SinkWrite.Kind.SYSTEM, event.eventType(), event, metrics), Named.as("to-system-write"))
                .process(() -> new RedisOutbox<>(Catalogue.SYSTEM_OUTBOX, sink, settings, metrics),
                        Named.as(Catalogue.SINK_SYSTEM), Catalogue.SYSTEM_OUTBOX);

        return builder.build();
    }

    private static KStream<byte[], Inbound> source(StreamsBuilder builder, String topic, InboundDeserializer.Kind kind, TopologySettings settings) {
        return builder.stream(List.of(topic), Consumed.with(Serdes.ByteArray(), JsonSerde.inbound(kind, settings.maxRecordBytes()))
                .withName(Catalogue.sourceName(topic)));
    }

    private static SinkWrite publication(SinkWrite.Kind kind, String target, Inbound event, TopologyMetrics metrics) {
        metrics.processed(kind == SinkWrite.Kind.SYSTEM ? "system" : "notification");
        NotificationEnvelope envelope = new NotificationEnvelope(kind == SinkWrite.Kind.NOTIFICATION ? event.userId() : null,
                event.eventType(), event.timestamp(), event.eventId(), event.data());
        return new SinkWrite(kind, target, 0, event.dedupId(), event.source(), Json.write(envelope), null, false);
    }

    private static <V> StoreBuilder<KeyValueStore<String, V>> store(String name, Serde<V> serde) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.String(), serde).withLoggingEnabled(CHANGELOG_CONFIG);
    }
}
