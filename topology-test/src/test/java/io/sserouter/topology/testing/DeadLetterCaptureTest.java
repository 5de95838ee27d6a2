package io.sserouter.topology.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.TestOutputTopic;
import org.junit.jupiter.api.Test;

/**
 * The driver reads dead letters from the handler because TopologyTestDriver does not show the produced ones
 * under exactly-once. Under at-least-once it does: there, what the driver reports is what was produced.
 */
class DeadLetterCaptureTest {
    @Test
    void theDeadLettersReportedAreTheOnesProduced() {
        try (SseRouterTestDriver sse = new SseRouterTestDriver(Map.of("KAFKA_PROCESSING_GUARANTEE", "at_least_once"))) {
            TestOutputTopic<byte[], byte[]> topic = sse.driver().createOutputTopic(sse.settings().deadLetterTopic(),
                    new ByteArrayDeserializer(), new ByteArrayDeserializer());
            sse.send("execution_events", "not json");
            sse.send("system_events", "{\"event_type\":\"error\"}");
            sse.send("notification_events", "{\"event_type\":\"hello\"}");

            List<String> produced = topic.readRecordsToList().stream().map(r -> describe(r.value(), r.headers())).toList();
            List<String> reported = sse.deadLetters().stream().map(d -> describe(d.value(), d.headers())).toList();
            assertEquals(3, produced.size());
            assertEquals(produced, reported);
        }
    }

    private static String describe(byte[] value, Headers headers) {
        StringBuilder out = new StringBuilder(Arrays.toString(value));
        for (Header header : headers) {
            out.append(' ').append(header.key()).append('=').append(header.value() == null ? null : new String(header.value()));
        }
        return out.toString();
    }
}
