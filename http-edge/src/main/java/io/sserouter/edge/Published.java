package io.sserouter.edge;

import com.fasterxml.jackson.databind.JsonNode;
import io.sserouter.config.EventTypes;
import io.sserouter.config.Json;

/**
 * A message as it arrived from Redis, with the fields the edge routes by.
 *
 * @param seq              the execution event's seq; 0 for messages without one (notifications, broadcasts)
 * @param timestampMillis  the event's own time, for the delivery latency metric; 0 when unknown
 * @param json  the envelope exactly as published, relayed as the SSE {@code data:}
 */
record Published(long seq, String eventType, boolean closing, long timestampMillis, String json) {
    static Published parse(String json) {
        try {
            JsonNode node = Json.MAPPER.readTree(json);
            String type = node.path("event_type").asText("message");
            return new Published(node.path("seq").asLong(0), type, EventTypes.closes(type), millis(node.path("timestamp").asText(null)), json);
        } catch (Exception e) {
            return new Published(0, "message", false, 0, json);
        }
    }

    private static long millis(String iso) {
        try {
            return iso == null ? 0 : java.time.Instant.parse(iso).toEpochMilli();
        } catch (java.time.format.DateTimeParseException e) {
            return 0;
        }
    }
}
