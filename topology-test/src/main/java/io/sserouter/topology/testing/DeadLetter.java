package io.sserouter.topology.testing;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * A record the topology refused, as written to the dead-letter topic: the original key and value, unchanged
 * (cut at {@code SSE_DLQ_MAX_RECORD_BYTES}), and headers that say why and where it came from.
 */
public record DeadLetter(byte[] key, byte[] value, Headers headers) {
    /** Header with the stable reason code, e.g. {@code not_json}, {@code missing_execution_id}, {@code reserved_event_type}. */
    public static final String REASON = io.sserouter.topology.DeadLetterHandler.REASON;
    /** Header with the topic the record was read from. */
    public static final String SOURCE_TOPIC = io.sserouter.topology.DeadLetterHandler.TOPIC;

    public String reason() {
        return header(REASON);
    }

    public String sourceTopic() {
        return header(SOURCE_TOPIC);
    }

    public String valueAsString() {
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }

    /** The last header of that name as UTF-8 text, or null. */
    public String header(String name) {
        Header header = headers.lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
