package io.sserouter.testkit.sse;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * An incremental parser of an SSE byte stream that follows the WHATWG rules a browser applies: lines end in CR, LF or
 * CRLF (also when a CRLF is split across two reads), one space after the colon is dropped, data lines are joined by
 * LF, a block without data dispatches nothing but its {@code id:} still becomes the last event id, {@code retry:}
 * counts only when it is all digits, an id containing NUL is ignored, and an unfinished block at the end is dropped.
 * Feed it bytes as they arrive; it calls its {@link Listener} on the feeding thread.
 */
public final class SseParser {
    /** What the stream says, in order. */
    public interface Listener {
        void onEvent(SseEvent event);

        /** A comment line ({@code : ping}), without the colon and one leading space. */
        default void onComment(String comment) {
        }

        /** A valid {@code retry:} value: the reconnection delay the server asks for. */
        default void onRetry(long millis) {
        }

        /** A line whose field is none of id, event, data, retry: a browser ignores it, a test may not. */
        default void onUnknownField(String field, String value) {
        }
    }

    private final Listener listener;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
    private boolean afterCr;
    private boolean firstLine = true;
    private String lastEventId;
    private String idBuffer;
    private String blockId;
    private String eventName;
    private StringBuilder data;

    /** A parser for a new connection that resumes from {@code lastEventId} ("" for none). */
    public SseParser(String lastEventId, Listener listener) {
        this.lastEventId = lastEventId == null ? "" : lastEventId;
        this.idBuffer = this.lastEventId;
        this.listener = listener;
    }

    public SseParser(Listener listener) {
        this("", listener);
    }

    /** The last event id so far: what a browser sends as {@code Last-Event-ID} when it reconnects. */
    public String lastEventId() {
        return lastEventId;
    }

    public void feed(byte[] bytes) {
        feed(bytes, 0, bytes.length);
    }

    public void feed(byte[] bytes, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            byte b = bytes[i];
            if (b == '\n') {
                if (!afterCr) {
                    endLine();
                }
                afterCr = false;
            } else if (b == '\r') {
                endLine();
                afterCr = true;
            } else {
                afterCr = false;
                line.write(b);
            }
        }
    }

    private void endLine() {
        String text = line.toString(StandardCharsets.UTF_8);
        line.reset();
        if (firstLine && text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        firstLine = false;
        if (text.isEmpty()) {
            dispatch();
            return;
        }
        int colon = text.indexOf(':');
        if (colon == 0) {
            listener.onComment(text.startsWith(": ") ? text.substring(2) : text.substring(1));
            return;
        }
        String field = colon < 0 ? text : text.substring(0, colon);
        String value = colon < 0 ? "" : text.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        switch (field) {
            case "event" -> eventName = value;
            case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
            case "id" -> {
                if (value.indexOf('\0') < 0) {
                    idBuffer = value;
                    blockId = value;
                }
            }
            case "retry" -> {
                if (!value.isEmpty() && value.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    listener.onRetry(Long.parseLong(value));
                }
            }
            default -> listener.onUnknownField(field, value);
        }
    }

    private void dispatch() {
        lastEventId = idBuffer;
        StringBuilder body = data;
        String name = eventName == null || eventName.isEmpty() ? "message" : eventName;
        String id = blockId;
        data = null;
        eventName = null;
        blockId = null;
        if (body != null) {
            listener.onEvent(new SseEvent(id, name, body.toString(), lastEventId, System.currentTimeMillis()));
        }
    }
}
