package io.sserouter.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.streams.TopologyDescription;
import org.junit.jupiter.api.Test;

/** Node, store and topic names are part of the operational contract (state dirs, internal topics): pin them. */
class TopologyDescriptionTest {
    private static final Set<String> OTHER_NODES = Set.of(
            "source-execution_events", "source-pod_events", "source-execution_results",
            "merge-executions-pod_events", "merge-executions-execution_results",
            "stamp-executions", "key-by-execution", "unified-repartition-filter", "unified-repartition-sink",
            "unified-repartition-source", "sequence-executions",
            "source-notification_events", "stamp-notifications", "to-notification-write", "sink-redis-notifications",
            "source-system_events", "stamp-system", "to-system-write", "sink-redis-system");
    private static final Set<String> STORES = Set.of("execution-status", "redis-outbox-notifications", "redis-outbox-system");

    private static TopologyDescription describe(Routing routing) {
        TopologySettings settings = TopologySettings.fromEnv(Map.of("SSE_PARTITIONS", "8"));
        return TopologyFactory.build(settings, routing, null, new TopologyMetrics(new SimpleMeterRegistry())).describe();
    }

    private static Set<String> nodes(TopologyDescription description, Set<String> stores) {
        Set<String> nodes = new TreeSet<>();
        for (TopologyDescription.Subtopology sub : description.subtopologies()) {
            for (TopologyDescription.Node node : sub.nodes()) {
                nodes.add(node.name());
                if (node instanceof TopologyDescription.Processor processor) {
                    stores.addAll(processor.stores());
                }
            }
        }
        return nodes;
    }

    @Test
    void everyNodeStoreAndRepartitionIsNamed() {
        TopologyDescription description = describe(Routing.repartitioned(8));
        Set<String> stores = new TreeSet<>();
        assertEquals(new TreeSet<>(OTHER_NODES), nodes(description, stores));
        assertEquals(STORES, stores);
        assertEquals(4, description.subtopologies().size(), "sources+repartition, sequencing, notifications, system");
        assertTrue(description.toString().contains("topics: [unified-repartition]"), description.toString());
    }

    /**
     * The direct path keeps every name of the repartitioned one (same store, same changelog, same 'unified' topic) and
     * sequences in the sub-topology that reads the execution topics, which also reads 'unified' for misplaced records.
     */
    @Test
    void theDirectPathSequencesWhereTheSourcesAreReadAndKeepsTheNames() {
        TopologyDescription description = describe(Routing.direct(8));
        Set<String> stores = new TreeSet<>();
        Set<String> expected = new TreeSet<>(OTHER_NODES);
        expected.addAll(List.of("route-executions-", "route-executions-where-read", "route-executions-via-unified", "count-rerouted", "merge-rerouted"));
        assertEquals(expected, nodes(description, stores));
        assertEquals(STORES, stores);
        assertEquals(3, description.subtopologies().size(), "executions (sources, rerouted, sequencing), notifications, system");
        TopologyDescription.Subtopology executions = description.subtopologies().stream()
                .filter(sub -> sub.nodes().stream().anyMatch(n -> n.name().equals("sequence-executions"))).findFirst().orElseThrow();
        Set<String> names = new TreeSet<>();
        executions.nodes().forEach(n -> names.add(n.name()));
        assertTrue(names.containsAll(Set.of("source-execution_events", "unified-repartition-sink", "unified-repartition-source")), names.toString());
    }

    @Test
    void aRecordIsPlacedWhereTheDefaultPartitionerPutsItsExecutionId() {
        // what the producer itself does with a keyed record and no custom partitioner
        for (String id : List.of("exec-1", "exec-2", "x17", "ünïcode")) {
            int expected = org.apache.kafka.clients.producer.internals.BuiltInPartitioner.partitionForKey(
                    id.getBytes(java.nio.charset.StandardCharsets.UTF_8), 12);
            assertEquals(expected, Routing.partitionOf(id, 12));
            assertTrue(Routing.direct(12).placed(id, expected));
            assertTrue(!Routing.direct(12).placed(id, (expected + 1) % 12));
        }
        assertEquals(0, Routing.partitionOf("anything", 1));
    }
}
