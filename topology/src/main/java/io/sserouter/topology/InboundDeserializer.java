package io.sserouter.topology;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import io.sserouter.contract.ControlEvents;
import io.sserouter.contract.EventTypes;
import io.sserouter.contract.Ids;
import io.sserouter.contract.Json;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.Month;
import java.time.OffsetDateTime;
import java.time.Year;
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
        if (eventType != null && !EventTypes.SYNTAX.matcher(eventType).matches()) {
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
        if (isCanonicalInstant(text)) {
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

    /**
     * Whether {@code text} is already what {@link Instant#toString()} makes of it: {@code yyyy-MM-ddTHH:mm:ss}, then
     * no fraction or one of 3, 6 or 9 digits whose last three are not all zero, then {@code Z}; a valid date and time.
     */
    static boolean isCanonicalInstant(String text) {
        int length = text.length();
        if (length != 20 && length != 24 && length != 27 && length != 30) {
            return false;
        }
        if (text.charAt(4) != '-' || text.charAt(7) != '-' || text.charAt(10) != 'T' || text.charAt(13) != ':'
                || text.charAt(16) != ':' || text.charAt(length - 1) != 'Z') {
            return false;
        }
        int year = digits(text, 0, 4);
        int month = digits(text, 5, 2);
        int day = digits(text, 8, 2);
        int hour = digits(text, 11, 2);
        int minute = digits(text, 14, 2);
        int second = digits(text, 17, 2);
        if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59
                || second < 0 || second > 59 || day > Month.of(month).length(Year.isLeap(year))) {
            return false;
        }
        if (length == 20) {
            return true;
        }
        return text.charAt(19) == '.' && digits(text, 20, length - 21) >= 0 && digits(text, length - 4, 3) != 0;
    }

    /** The decimal number of {@code count} digits at {@code from}, or -1 when one is not a digit. */
    private static int digits(String text, int from, int count) {
        int value = 0;
        for (int i = from; i < from + count; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unparsable";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
