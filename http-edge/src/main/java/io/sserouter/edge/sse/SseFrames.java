package io.sserouter.edge.sse;

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

    static String comment(String text) {
        return ": " + oneLine(text) + "\n\n";
    }

    static String oneLine(String value) {
        return value.indexOf('\n') < 0 && value.indexOf('\r') < 0 ? value : value.replace("\r", "\\r").replace("\n", "\\n");
    }
}
