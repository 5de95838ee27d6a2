package io.sserouter.edge.sse;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.sserouter.contract.EventTypes;
import io.sserouter.contract.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * A message as it arrived from Redis, with the fields the edge routes by, parsed once however many clients get it.
 * It also keeps its SSE frame, encoded once and written to every uncompressed stream of the channel as the same
 * bytes: at fan-out N that is one allocation instead of N, which keeps garbage collections (the latency tail) rare.
 */
public final class Published {
    private final long seq;
    private final String eventType;
    private final boolean closing;
    private final long timestampMillis;
    private final String json;
    private volatile byte[] frame;

    /**
     * @param seq              the execution event's seq; 0 for messages without one (notifications, broadcasts)
     * @param timestampMillis  the event's own time, for the delivery latency metric; 0 when unknown
     * @param json             the envelope exactly as published, relayed as the SSE {@code data:}
     */
    public Published(long seq, String eventType, boolean closing, long timestampMillis, String json) {
        this.seq = seq;
        this.eventType = eventType;
        this.closing = closing;
        this.timestampMillis = timestampMillis;
        this.json = json;
    }

    /**
     * Reads the top-level {@code seq}, {@code event_type} and {@code timestamp} with a streaming parser, skipping the
     * rest ({@code data} above all): building the whole tree was a sixth of what the edge allocated under load.
     * A message that is not a JSON object is relayed as a {@code message} without a seq.
     */
    public static Published parse(String json) {
        long seq = 0;
        String type = null;
        String timestamp = null;
        try (JsonParser parser = Json.MAPPER.getFactory().createParser(json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return new Published(0, "message", false, 0, json);
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                if (value.isStructStart()) {
                    parser.skipChildren();
                } else if (value != JsonToken.VALUE_NULL) {
                    switch (field) {
                        case "seq" -> seq = parser.getValueAsLong(0);
                        case "event_type" -> type = parser.getText();
                        case "timestamp" -> timestamp = parser.getText();
                        default -> { }
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return new Published(0, "message", false, 0, json);
        }
        String eventType = type != null ? type : "message";
        return new Published(seq, eventType, EventTypes.closes(eventType), millis(timestamp), json);
    }

    public long seq() {
        return seq;
    }

    public String eventType() {
        return eventType;
    }

    public boolean closing() {
        return closing;
    }

    public long timestampMillis() {
        return timestampMillis;
    }

    public String json() {
        return json;
    }

    /** The UTF-8 frame {@code id: seq / event: type / data: json}, built on first use; racing builders build the same bytes. */
    byte[] frame() {
        byte[] bytes = frame;
        if (bytes == null) {
            bytes = SseFrames.event(String.valueOf(seq), eventType, json).getBytes(StandardCharsets.UTF_8);
            frame = bytes;
        }
        return bytes;
    }

    private static long millis(String iso) {
        try {
            return iso == null ? 0 : java.time.Instant.parse(iso).toEpochMilli();
        } catch (java.time.format.DateTimeParseException e) {
            return 0;
        }
    }
}
