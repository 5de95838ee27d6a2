package io.sserouter.edge.sse;

import java.nio.charset.StandardCharsets;

/**
 * The SSE wire format. Field values never carry a line break: ids are numbers, event types are validated by the
 * topology, and data is one line of JSON (Jackson escapes control characters); anything else is escaped here.
 */
final class SseFrames {
    private static final byte[] ID = "id: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EVENT = "event: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);

    private SseFrames() {
    }

    static String event(String id, String event, String data) {
        StringBuilder frame = new StringBuilder(data.length() + 64);
        if (id != null) {
            frame.append("id: ").append(id).append('\n');
        }
        return frame.append("event: ").append(oneLine(event)).append('\n').append("data: ").append(oneLine(data)).append("\n\n").toString();
    }

    /**
     * The same frame, in UTF-8, with {@code data:} copied from {@code data} (from {@code from} to its end): one array of
     * the frame's size, where building it as text took four copies of the data.
     */
    static byte[] event(String id, String event, byte[] data, int from) {
        for (int i = from; i < data.length; i++) {
            if (data[i] == '\n' || data[i] == '\r') {
                return event(id, event, new String(data, from, data.length - from, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
            }
        }
        if ((id != null && !plainAscii(id)) || !plainAscii(event)) {
            byte[] head = ((id != null ? "id: " + oneLine(id) + "\n" : "") + "event: " + oneLine(event) + "\ndata: ").getBytes(StandardCharsets.UTF_8);
            byte[] frame = new byte[head.length + data.length - from + 2];
            return end(frame, put(frame, 0, head), data, from);
        }
        byte[] frame = new byte[(id != null ? ID.length + id.length() + 1 : 0) + EVENT.length + event.length() + 1 + DATA.length
                + data.length - from + 2];
        int at = 0;
        if (id != null) {
            at = put(frame, at, ID);
            at = put(frame, at, id);
            frame[at++] = '\n';
        }
        at = put(frame, at, EVENT);
        at = put(frame, at, event);
        frame[at++] = '\n';
        return end(frame, put(frame, at, DATA), data, from);
    }

    /** Printable ASCII: one byte per char, and nothing that could end a line. */
    private static boolean plainAscii(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    private static int put(byte[] into, int at, byte[] bytes) {
        System.arraycopy(bytes, 0, into, at, bytes.length);
        return at + bytes.length;
    }

    private static int put(byte[] into, int at, String ascii) {
        for (int i = 0; i < ascii.length(); i++) {
            into[at++] = (byte) ascii.charAt(i);
        }
        return at;
    }

    static String comment(String text) {
        return ": " + oneLine(text) + "\n\n";
    }

    static String oneLine(String value) {
        return value.indexOf('\n') < 0 && value.indexOf('\r') < 0 ? value : value.replace("\r", "\\r").replace("\n", "\\n");
    }

    /** Copies the data after the head already in {@code frame} (up to {@code at}), then the blank line that ends it. */
    private static byte[] end(byte[] frame, int at, byte[] data, int from) {
        System.arraycopy(data, from, frame, at, data.length - from);
        frame[frame.length - 2] = '\n';
        frame[frame.length - 1] = '\n';
        return frame;
    }
}
