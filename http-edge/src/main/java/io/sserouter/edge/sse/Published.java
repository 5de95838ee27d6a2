package io.sserouter.edge.sse;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.sserouter.contract.EventTypes;
import io.sserouter.contract.InstantText;
import io.sserouter.contract.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * A message as it arrived from Redis, with the fields the edge routes by, parsed once however many clients get it.
 * It also keeps its SSE frame, encoded once and written to every uncompressed stream of the channel as the same
 * bytes: at fan-out N that is one allocation instead of N, which keeps garbage collections (the latency tail) rare.
 * A message from pub/sub stays in the bytes Redis sent: it is parsed from them and its frame is copied from them,
 * never decoded into a String unless a stream needs the text ({@link #json()}).
 */
public final class Published {
    private final String executionId;
    private final String logId;
    private final String prevLogId;
    private final long seq;
    private final String eventType;
    private final boolean closing;
    private final long timestampMillis;
    /** The message as Redis sent it, its envelope from {@code from} on; null when it was read as text. */
    private final byte[] raw;
    private final int from;
    /** The envelope as text: given, or decoded from {@code raw} on first use (racing decoders decode the same). */
    private volatile String json;
    private volatile byte[] frame;

    private Published(String executionId, String logId, String prevLogId, long seq, String eventType, boolean closing,
                      long timestampMillis, byte[] raw, int from, String json) {
        this.executionId = executionId;
        this.logId = logId;
        this.prevLogId = prevLogId;
        this.seq = seq;
        this.eventType = eventType;
        this.closing = closing;
        this.timestampMillis = timestampMillis;
        this.raw = raw;
        this.from = from;
        this.json = json;
    }

    /**
     * Reads the top-level {@code execution_id}, {@code seq}, {@code event_type} and {@code timestamp} with a streaming
     * parser, skipping the rest ({@code data} above all): building the whole tree was a sixth of what the edge
     * allocated under load. A message of a user's log channel ({@code {id} {prev} {envelope}}) also keeps its log ids.
     * A message that is not a JSON object is relayed as a {@code message} without a seq.
     */
    public static Published parse(byte[] message) {
        if (message.length > 0 && message[0] >= '0' && message[0] <= '9') {
            int first = indexOf(message, ' ', 0);
            int second = first < 0 ? -1 : indexOf(message, ' ', first + 1);
            if (second > 0) {
                return parse(new String(message, 0, first, StandardCharsets.UTF_8),
                        new String(message, first + 1, second - first - 1, StandardCharsets.UTF_8), message, second + 1, null);
            }
        }
        return parse(null, null, message, 0, null);
    }

    /** As {@link #parse(byte[])}, for a message already read as text. */
    public static Published parse(String message) {
        if (!message.isEmpty() && message.charAt(0) >= '0' && message.charAt(0) <= '9') {
            int first = message.indexOf(' ');
            int second = first < 0 ? -1 : message.indexOf(' ', first + 1);
            if (second > 0) {
                return parse(message.substring(0, first), message.substring(first + 1, second), message.substring(second + 1));
            }
        }
        return parse(null, null, message);
    }

    /** An entry of a user's log, read back from Redis: its id, the id of the entry before it, and its envelope. */
    public static Published parse(String logId, String prevLogId, String json) {
        return parse(logId, prevLogId, null, 0, json);
    }

    /** Parses {@code raw} from {@code from} on when given, {@code json} otherwise. */
    private static Published parse(String logId, String prevLogId, byte[] raw, int from, String json) {
        String executionId = null;
        long seq = 0;
        String type = null;
        String timestamp = null;
        JsonFactory factory = Json.MAPPER.getFactory();
        try (JsonParser parser = raw != null ? factory.createParser(raw, from, raw.length - from) : factory.createParser(json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return new Published(null, logId, prevLogId, 0, "message", false, 0, raw, from, json);
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                if (value.isStructStart()) {
                    parser.skipChildren();
                } else if (value != JsonToken.VALUE_NULL) {
                    switch (field) {
                        case "execution_id" -> executionId = parser.getText();
                        case "seq" -> seq = parser.getValueAsLong(0);
                        case "event_type" -> type = parser.getText();
                        case "timestamp" -> timestamp = parser.getText();
                        default -> { }
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return new Published(null, logId, prevLogId, 0, "message", false, 0, raw, from, json);
        }
        String eventType = type != null ? type : "message";
        return new Published(executionId, logId, prevLogId, seq, eventType, EventTypes.closes(eventType), millis(timestamp), raw, from, json);
    }

    /** For the delivery latency metric: the envelope's time as the topology writes it, or any ISO instant; else 0. */
    private static long millis(String timestamp) {
        if (timestamp == null) {
            return 0;
        }
        long millis = InstantText.utcMillis(timestamp);
        if (millis != Long.MIN_VALUE) {
            return millis;
        }
        try {
            return Instant.parse(timestamp).toEpochMilli();
        } catch (DateTimeParseException e) {
            return 0;
        }
    }

    private static int indexOf(byte[] bytes, char c, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == c) {
                return i;
            }
        }
        return -1;
    }

    /** The execution the event belongs to; null for notifications and broadcasts. */
    public String executionId() {
        return executionId;
    }

    /** The entry's id in its user's log (a message of a user's log channel); null otherwise. */
    public String logId() {
        return logId;
    }

    /** The id of the entry before it in its user's log ({@code 0-0} for the first); null when not a user's log entry. */
    public String prevLogId() {
        return prevLogId;
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
        String text = json;
        if (text == null) {
            text = new String(raw, from, raw.length - from, StandardCharsets.UTF_8);
            json = text;
        }
        return text;
    }

    /**
     * The UTF-8 frame {@code id: seq / event: type / data: json} ({@code id:} the log id for a user's log entry), built
     * on first use; racing builders build the same bytes.
     */
    byte[] frame() {
        byte[] bytes = frame;
        if (bytes == null) {
            bytes = frame(logId != null ? logId : String.valueOf(seq));
            frame = bytes;
        }
        return bytes;
    }

    /** A frame of its own, under another {@code id:} (a stream whose ids are not the seq), copied from the same bytes. */
    byte[] frame(String id) {
        if (raw != null) {
            return SseFrames.event(id, eventType, raw, from);
        }
        byte[] text = json.getBytes(StandardCharsets.UTF_8);
        return SseFrames.event(id, eventType, text, 0);
    }
}
