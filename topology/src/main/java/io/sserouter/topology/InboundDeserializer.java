package io.sserouter.topology;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import io.sserouter.contract.ControlEvents;
import io.sserouter.contract.EventTypes;
import io.sserouter.contract.Ids;
import io.sserouter.contract.InstantText;
import io.sserouter.contract.Json;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Turns a source record's bytes into an {@link Inbound}, or throws {@link InvalidRecordException} with a reason,
 * which the configured deserialization handler sends to the dead-letter topic. Validation lives here, at the
 * edge of the topology, so nothing downstream ever sees a record it must reject.
 */
final class InboundDeserializer implements Deserializer<Inbound> {
    enum Kind { EXECUTION, NOTIFICATION, SYSTEM }

    private static final int MAX_EVENT_ID = 256;
    private static final ObjectReader READER = Json.MAPPER.reader()
            .with(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final Kind kind;
    private final int maxBytes;

    InboundDeserializer(Kind kind, int maxBytes) {
        this.kind = kind;
        this.maxBytes = maxBytes;
    }

    @Override
    public Inbound deserialize(String topic, byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            throw new InvalidRecordException("empty", "record has no value");
        }
        if (bytes.length > maxBytes) {
            throw new InvalidRecordException("too_large", bytes.length + " bytes, limit " + maxBytes);
        }
        JsonNode root = parse(bytes);
        String eventType = text(root, "event_type", "invalid_event_type");
        if (eventType == null && kind != Kind.NOTIFICATION) {
            throw new InvalidRecordException("missing_event_type", "event_type is required");
        }
        if (eventType != null && !EventTypes.validSyntax(eventType)) {
            throw new InvalidRecordException("invalid_event_type", "event_type must be 1-128 characters of [A-Za-z0-9_.:-]");
        }
        String executionId = text(root, "execution_id", "invalid_execution_id");
        if (kind == Kind.EXECUTION) {
            requireId(executionId, "execution_id");
        }
        String userId = userId(root);
        if (kind == Kind.NOTIFICATION) {
            requireId(userId, "user_id");
        } else if (userId != null && !Ids.valid(userId)) {
            throw new InvalidRecordException("invalid_user_id", "user_id must be 1-128 characters of [A-Za-z0-9._:-]");
        }
        String eventId = text(root, "event_id", "invalid_event_id");
        if (eventId != null && (eventId.isEmpty() || eventId.length() > MAX_EVENT_ID)) {
            throw new InvalidRecordException("invalid_event_id", "event_id must be 1-" + MAX_EVENT_ID + " characters");
        }
        String type = eventType == null ? "notification" : EventTypes.normalise(eventType);
        if (ControlEvents.isReserved(type)) {
            // relayed, it would read to a client as the edge's own control event
            throw new InvalidRecordException("reserved_event_type", "event_type '" + type + "' is one of the edge's own: " + new java.util.TreeSet<>(ControlEvents.names()));
        }
        return new Inbound(type, kind == Kind.EXECUTION ? executionId : null, userId, eventId, timestamp(root), null, root);
    }

    private static JsonNode parse(byte[] bytes) {
        JsonNode root;
        try {
            root = READER.readTree(bytes);
        } catch (IOException | RuntimeException e) {
            throw new InvalidRecordException("not_json", firstLine(e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new InvalidRecordException("not_object", "value must be a JSON object");
        }
        return root;
    }

    private static String text(JsonNode root, String field, String reason) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw new InvalidRecordException(reason, field + " must be a string");
        }
        return node.textValue();
    }

    private static String userId(JsonNode root) {
        JsonNode metadata = root.get("metadata");
        if (metadata != null && metadata.isObject() && metadata.hasNonNull("user_id")) {
            return text(metadata, "user_id", "invalid_user_id");
        }
        return text(root, "user_id", "invalid_user_id");
    }

    private static void requireId(String id, String field) {
        if (id == null) {
            throw new InvalidRecordException("missing_" + field, field + " is required");
        }
        if (!Ids.valid(id)) {
            throw new InvalidRecordException("invalid_" + field, field + " must be 1-128 characters of [A-Za-z0-9._:-]");
        }
    }

    /** ISO-8601 or epoch milliseconds, normalised to an ISO instant; anything else is left to the record time. */
    private static String timestamp(JsonNode root) {
        JsonNode node = root.get("timestamp");
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isNumber()) {
            long value = node.asLong();
            return Instant.ofEpochMilli(value < 100_000_000_000L ? value * 1000 : value).toString();
        }
        if (node.isTextual()) {
            return normalized(node.textValue());
        }
        return null;
    }

    /** A textual timestamp as {@link Instant#toString()} writes it, or null when it names no instant. */
    static String normalized(String text) {
        if (InstantText.isCanonical(text)) {
            return text; // what producers usually send: parsing it only to print it again took 6 % of a stream thread
        }
        return parsed(text);
    }

    /** What the JDK's parsers make of a textual timestamp: an instant, with an offset, or local time taken as UTC. */
    static String parsed(String text) {
        try {
            return Instant.parse(text).toString();
        } catch (DateTimeParseException notInstant) {
            try {
                return OffsetDateTime.parse(text).toInstant().toString();
            } catch (DateTimeParseException notOffset) {
                try {
                    return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC).toString();
                } catch (DateTimeParseException unparsable) {
                    return null;
                }
            }
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unparsable";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
