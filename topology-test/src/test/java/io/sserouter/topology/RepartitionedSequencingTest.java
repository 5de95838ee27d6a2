package io.sserouter.topology;

import java.util.Map;

/** Every sequencing test of {@link SequencingTest} on the repartitioned path (through the 'unified' topic). */
class RepartitionedSequencingTest extends SequencingTest {
    @Override
    Map<String, String> environment() {
        return Map.of("SSE_ROUTING", "repartition");
    }
}
