package io.sserouter.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.streams.TopologyDescription;
import org.junit.jupiter.api.Test;

/** Node, store and topic names are part of the operational contract (state dirs, internal topics): pin them. */
class TopologyDescriptionTest {
    @Test
    void everyNodeStoreAndRepartitionIsNamed() {
        TopologySettings settings = TopologySettings.fromEnv(Map.of("SSE_PARTITIONS", "8"));
        TopologyDescription description = TopologyFactory.build(settings, null, new TopologyMetrics(new SimpleMeterRegistry())).describe();

        Set<String> nodes = new TreeSet<>();
        Set<String> stores = new TreeSet<>();
        for (TopologyDescription.Subtopology sub : description.subtopologies()) {
            for (TopologyDescription.Node node : sub.nodes()) {
                nodes.add(node.name());
                if (node instanceof TopologyDescription.Processor processor) {
                    stores.addAll(processor.stores());
                }
            }
        }
        assertEquals(new TreeSet<>(Set.of(
                "source-execution_events", "source-pod_events", "source-execution_results",
                "merge-executions-pod_events", "merge-executions-execution_results",
                "stamp-executions", "key-by-execution", "unified-repartition-filter", "unified-repartition-sink",
                "unified-repartition-source", "sequence-executions",
                "source-notification_events", "stamp-notifications", "to-notification-write", "sink-redis-notifications",
                "source-system_events", "stamp-system", "to-system-write", "sink-redis-system")), nodes);
        assertEquals(Set.of("execution-status", "redis-outbox-notifications", "redis-outbox-system"), stores);
        assertEquals(4, description.subtopologies().size(), "sources+repartition, sequencing, notifications, system");
        assertTrue(description.toString().contains("topics: [unified-repartition]"), description.toString());
    }
}
