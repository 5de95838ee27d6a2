package io.sserouter.testkit.sse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The parser splits a stream the way a browser's EventSource does, however the bytes arrive. */
class SseParserTest {
    private final List<String> seen = new ArrayList<>();
    private final SseParser parser = new SseParser(new SseParser.Listener() {
        @Override
        public void onEvent(SseEvent e) {
            seen.add("event id=" + e.id() + " last=" + e.lastEventId() + " name=" + e.event() + " data=" + e.data().replace("\n", "\\n"));
        }

        @Override
        public void onComment(String comment) {
            seen.add("comment " + comment);
        }

        @Override
        public void onRetry(long millis) {
            seen.add("retry " + millis);
        }

        @Override
        public void onUnknownField(String field, String value) {
            seen.add("unknown " + field + "=" + value);
        }
    });

    /** Feeds the stream one byte at a time: every line ending and every UTF-8 sequence is split somewhere. */
    private void feedBytewise(String stream) {
        for (byte b : stream.getBytes(StandardCharsets.UTF_8)) {
            parser.feed(new byte[] {b});
        }
    }

    @Test
    void multiLineDataCrLfAndLoneCrEndLinesAndDataLinesJoinWithLf() {
        feedBytewise("id: 1\r\nevent: pod_running\r\ndata: {\"a\":\r\ndata: 1}\r\n\r\nid: 2\rdata: é€😀\r\r");
        assertEquals(List.of("event id=1 last=1 name=pod_running data={\"a\":\\n1}", "event id=2 last=2 name=message data=é€😀"), seen);
        assertEquals("2", parser.lastEventId());
    }

    @Test
    void commentsAndRetryAreReportedAndABadRetryIsIgnored() {
        feedBytewise(": ping\n:no space\nretry: 3000\nretry: 12x\nretry:\n\nevent: status\ndata:{}\n\n");
        assertEquals(List.of("comment ping", "comment no space", "retry 3000", "event id=null last= name=status data={}"), seen);
    }

    @Test
    void anIdWithoutDataDispatchesNothingButBecomesTheLastEventId() {
        parser.feed("id: 7\n\ndata: x\n\n".getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of("event id=null last=7 name=message data=x"), seen, "the id persists to the next event");
        assertEquals("7", parser.lastEventId());
        parser.feed("id\n\n".getBytes(StandardCharsets.UTF_8));
        assertEquals("", parser.lastEventId(), "an empty id resets it");
        parser.feed("id: a\0b\n\n".getBytes(StandardCharsets.UTF_8));
        assertEquals("", parser.lastEventId(), "an id with NUL is ignored");
    }

    @Test
    void onlyOneSpaceAfterTheColonIsDroppedAndAnEmptyDataLineStillDispatches() {
        parser.feed("data:  two spaces\ndata\nfoo: bar\n\ndata:\n\n".getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of("unknown foo=bar", "event id=null last= name=message data= two spaces\\n", "event id=null last= name=message data="), seen);
    }

    @Test
    void anUnfinishedEventAtTheEndIsNotDispatchedAndALeadingBomIsSkipped() {
        parser.feed("\uFEFFdata: first\n\ndata: cut off\n".getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of("event id=null last= name=message data=first"), seen);
    }
}
