package io.sserouter.edge.sse;

import java.nio.charset.StandardCharsets;

/**
 * The SSE wire format. Field values never carry a line break: ids are numbers, event types are validated by the
 * topology, and data is one line of JSON (Jackson escapes control characters); anything else is escaped here.
 */
final class SseFrames {
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
     * the frame's size and its short head, where building it as text took four copies of the data.
     */
    static byte[] event(String id, String event, byte[] data, int from) {
        for (int i = from; i < data.length; i++) {
            if (data[i] == '\n' || data[i] == '\r') {
                return event(id, event, new String(data, from, data.length - from, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
            }
        }
        byte[] head = ((id != null ? "id: " + oneLine(id) + "\n" : "") + "event: " + oneLine(event) + "\ndata: ").getBytes(StandardCharsets.UTF_8);
        byte[] frame = new byte[head.length + data.length - from + 2];
        System.arraycopy(head, 0, frame, 0, head.length);
        System.arraycopy(data, from, frame, head.length, data.length - from);
        frame[frame.length - 2] = '\n';
        frame[frame.length - 1] = '\n';
        return frame;
    }

    static String comment(String text) {
        return ": " + oneLine(text) + "\n\n";
    }

    static String oneLine(String value) {
        return value.indexOf('\n') < 0 && value.indexOf('\r') < 0 ? value : value.replace("\r", "\\r").replace("\n", "\\n");
    }
}
