package io.sserouter.topology;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How execution events reach their sequencer, decided once at start.
 *
 * <p>{@link Path#REPARTITION}: every event is keyed by execution id and written to the {@code unified} repartition
 * topic, whose readers sequence it. Works whatever the source topics' partition counts, but under exactly-once an
 * event becomes readable there only when the writing task commits: most of the latency.
 *
 * <p>{@link Path#DIRECT}: when every execution source topic has the same partition count, Kafka Streams gives task
 * {@code p} partition {@code p} of each of them, and a producer keying by execution id with the default partitioner
 * puts all of an execution's events on the same partition number of every topic. Task {@code p} then sequences them
 * where they are read. A record found on another partition than its execution's (keyed differently, or a custom
 * partitioner) goes through the same {@code unified} topic, with the same partition count and keyed by execution id,
 * which the same task reads: it still reaches the one sequencer of its execution, and only it. A task that starts
 * sends its own partition's events that way too, until what 'unified' held before it is sequenced ({@link DirectHandover}).
 *
 * @param path       the path taken
 * @param partitions partitions of the {@code unified} topic; on the direct path, the source topics' partition count
 */
public record Routing(Path path, int partitions) {
    private static final Logger LOG = LoggerFactory.getLogger(Routing.class);

    public enum Path { DIRECT, REPARTITION }

    public static final String AUTO = "auto";
    public static final String DIRECT = "direct";
    public static final String REPARTITION = "repartition";

    public Routing {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be positive: " + partitions);
        }
    }

    public static Routing direct(int partitions) {
        return new Routing(Path.DIRECT, partitions);
    }

    public static Routing repartitioned(int partitions) {
        return new Routing(Path.REPARTITION, partitions);
    }

    public boolean isDirect() {
        return path == Path.DIRECT;
    }

    /** The partition Kafka's default partitioner gives a record keyed by this execution id (a UTF-8 string key). */
    public static int partitionOf(String executionId, int partitions) {
        return Utils.toPositive(Utils.murmur2(executionId.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /** Whether an event read from {@code partition} is on its execution's partition, where it may be sequenced. */
    boolean placed(String executionId, int partition) {
        return partitionOf(executionId, partitions) == partition;
    }

    /**
     * The path for these settings, decided before Kafka Streams starts:
     * <ul>
     * <li>{@code repartition}: always; forgets that the pool ran the direct path (its marker topic).</li>
     * <li>{@code direct}: requires co-partitioned execution topics, and internal topics (if any) with as many
     * partitions; refuses to start without. Marks the pool as direct.</li>
     * <li>{@code auto}: direct when both hold and the pool is new or marked direct; a pool that has state but no
     * mark ran the repartitioned path (every release before this setting did) and keeps it, so that a rolling
     * upgrade never runs both paths in one group. Repartitioned otherwise (also when a topic does not exist yet,
     * which Kafka Streams then reports).</li>
     * </ul>
     * The mark is a topic, {@code <application.id>-direct-routing-marker}: it lives in Kafka with the state it
     * describes, under the application id's prefix that Kafka Streams' own topics need permission for anyway.
     */
    static Routing resolve(TopologySettings settings, Admin admin) throws InterruptedException, TimeoutException {
        Routing repartitioned = repartitioned(settings.partitions());
        String unified = Catalogue.unifiedTopic(settings.applicationId());
        String changelog = settings.applicationId() + "-" + Catalogue.STATUS_STORE + "-changelog";
        String marker = settings.applicationId() + "-" + Catalogue.DIRECT_MARKER;
        try {
            Map<String, Integer> internal = partitionCounts(admin, List.of(unified, changelog, marker));
            boolean markedDirect = internal.remove(marker) != null;
            if (settings.routing().equals(REPARTITION)) {
                if (markedDirect) {
                    admin.deleteTopics(List.of(marker)).all().get(60, TimeUnit.SECONDS);
                    LOG.info("This pool ran the direct path; SSE_ROUTING=repartition switches it (every instance must be stopped for that)");
                }
                LOG.info("Execution events repartitioned through 'unified' ({} partitions): SSE_ROUTING=repartition", settings.partitions());
                return repartitioned;
            }
            Map<String, Integer> counts = partitionCounts(admin, settings.executionTopics());
            boolean coPartitioned = counts.size() == settings.executionTopics().size() && counts.values().stream().distinct().count() == 1;
            if (!coPartitioned) {
                if (settings.routing().equals(DIRECT)) {
                    throw new IllegalStateException("SSE_ROUTING=direct needs every execution topic to exist with the same partition count, found "
                            + counts + "; set SSE_ROUTING=auto or repartition, or give the topics the same partition count");
                }
                if (markedDirect) {
                    LOG.warn("This pool ran the direct path, but its execution topics are no longer co-partitioned {}", counts);
                }
                LOG.info("Execution events repartitioned through 'unified' ({} partitions): the execution topics are not co-partitioned {}",
                        settings.partitions(), counts);
                return repartitioned;
            }
            Routing direct = direct(counts.values().iterator().next());
            boolean ranRepartitioned = internal.containsKey(changelog) && !markedDirect;
            // State of an earlier run over another partition count (the repartitioned path with SSE_PARTITIONS, or
            // the topics had other counts): its executions are spread over partitions by that count, not this one.
            internal.values().removeIf(count -> count == direct.partitions());
            if (!internal.isEmpty()) {
                if (settings.routing().equals(DIRECT)) {
                    throw new IllegalStateException("SSE_ROUTING=direct needs the internal topics to have the execution topics' " + direct.partitions()
                            + " partitions, found " + internal + "; see the operations guide on switching the routing path");
                }
                LOG.warn("Execution events repartitioned through 'unified' ({} partitions): the execution topics share {} partitions, but this "
                        + "pool's internal topics have other counts {}", settings.partitions(), direct.partitions(), internal);
                return repartitioned;
            }
            if (ranRepartitioned && settings.routing().equals(AUTO)) {
                LOG.info("Execution events repartitioned through 'unified' ({} partitions): this pool ran the repartitioned path; the execution "
                        + "topics share {} partitions, so SSE_ROUTING=direct, with every instance stopped, would switch it", settings.partitions(), direct.partitions());
                return repartitioned;
            }
            if (!markedDirect) {
                try {
                    admin.createTopics(List.of(new NewTopic(marker, Optional.of(1), Optional.empty()))).all().get(60, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + marker + ": " + e.getCause().getMessage(), e.getCause());
                    }
                }
            }
            LOG.info("Execution events sequenced where they are read: the execution topics share {} partitions ({}); "
                    + "records on another partition than their execution id's go through 'unified'", direct.partitions(), counts);
            return direct;
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot reach Kafka at " + settings.bootstrapServers() + ": " + e.getCause().getMessage(), e.getCause());
        }
    }

    /** Partition count of each of these topics that exists. */
    private static Map<String, Integer> partitionCounts(Admin admin, List<String> topics) throws InterruptedException, TimeoutException {
        Map<String, Integer> counts = new TreeMap<>();
        Map<String, KafkaFuture<TopicDescription>> described = admin.describeTopics(topics).topicNameValues(); // one request
        for (String topic : topics) {
            try {
                counts.put(topic, described.get(topic).get(60, TimeUnit.SECONDS).partitions().size());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw new IllegalStateException("cannot describe topic " + topic + ": " + e.getCause().getMessage(), e.getCause());
                }
            }
        }
        return counts;
    }
}
