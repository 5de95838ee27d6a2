package io.sserouter.edge.sse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What the edge routes a published message by, read from its top level only; the message itself is relayed as it came. */
class PublishedTest {
    @Test
    void routesByTheTopLevelFieldsAndIgnoresTheSameNamesInsideData() {
        String json = "{\"execution_id\":\"e-1\",\"data\":{\"seq\":99,\"event_type\":\"result_stored\",\"nested\":[{\"seq\":7}]},"
                + "\"seq\":12,\"event_type\":\"pod_running\",\"timestamp\":\"2026-11-24T08:00:00.250Z\"}";
        Published message = Published.parse(json);
        assertEquals(12, message.seq());
        assertEquals("pod_running", message.eventType());
        assertFalse(message.closing());
        assertEquals(java.time.Instant.parse("2026-11-24T08:00:00.250Z").toEpochMilli(), message.timestampMillis());
        assertEquals(json, message.json(), "relayed exactly as published");
        assertEquals("id: 12\nevent: pod_running\ndata: " + json + "\n\n", new String(message.frame(), StandardCharsets.UTF_8));
    }

    @Test
    void aUserLogEntryKeepsItsLogIdsAndIsFramedWithItsLogId() {
        String json = "{\"execution_id\":\"e-7\",\"seq\":4,\"event_type\":\"pod_running\"}";
        Published entry = Published.parse("1764460800000-2 1764460800000-1 " + json);
        assertEquals("1764460800000-2", entry.logId());
        assertEquals("1764460800000-1", entry.prevLogId());
        assertEquals("e-7", entry.executionId());
        assertEquals(4, entry.seq());
        assertEquals(json, entry.json(), "the envelope alone is relayed");
        assertEquals("id: 1764460800000-2\nevent: pod_running\ndata: " + json + "\n\n", new String(entry.frame(), StandardCharsets.UTF_8));
        assertEquals(null, Published.parse(json).logId(), "an execution channel's message has no log id");
    }

    @Test
    void aClosingTypeClosesAndMissingOrNullFieldsFallBack() {
        assertTrue(Published.parse("{\"seq\":3,\"event_type\":\"execution_failed\"}").closing());
        Published bare = Published.parse("{\"event_type\":null,\"seq\":null,\"timestamp\":\"yesterday\"}");
        assertEquals("message", bare.eventType());
        assertEquals(0, bare.seq());
        assertEquals(0, bare.timestampMillis());
        assertEquals(java.time.OffsetDateTime.parse("2026-11-24T10:00:00.250+02:00").toInstant().toEpochMilli(),
                Published.parse("{\"seq\":1,\"timestamp\":\"2026-11-24T10:00:00.250+02:00\"}").timestampMillis(), "any ISO instant");
    }

    @Test
    void anythingButAJsonObjectIsRelayedAsAMessageWithoutSeq() {
        for (String json : new String[] {"[1,2]", "\"text\"", "{\"seq\":5,\"event_type\":\"pod_running\"", "not json", ""}) {
            Published message = Published.parse(json);
            assertEquals("message", message.eventType(), json);
            assertEquals(0, message.seq(), json);
            assertEquals(json, message.json());
        }
    }

    @Test
    void aMessageReadAsTheBytesRedisSentIsRoutedAndFramedAsItsText() {
        String json = "{\"execution_id\":\"é-1\",\"data\":{\"note\":\"naïve ☃\",\"seq\":8},\"seq\":3,\"event_type\":\"execution_failed\","
                + "\"timestamp\":\"2026-11-24T08:00:00.250Z\"}";
        Published text = Published.parse(json);
        Published bytes = Published.parse(json.getBytes(StandardCharsets.UTF_8));
        assertEquals("é-1", bytes.executionId());
        assertEquals(3, bytes.seq());
        assertEquals("execution_failed", bytes.eventType());
        assertTrue(bytes.closing());
        assertEquals(text.timestampMillis(), bytes.timestampMillis());
        assertEquals(json, bytes.json(), "decoded only when asked, as it came");
        assertArrayEquals(text.frame(), bytes.frame());
        assertEquals("id: é-1/3\nevent: execution_failed\ndata: " + json + "\n\n",
                new String(bytes.frame("é-1/3"), StandardCharsets.UTF_8), "a stream's own id, over the same bytes");
        assertEquals("event: execution_failed\ndata: " + json + "\n\n", new String(text.frame(null), StandardCharsets.UTF_8));
    }

    @Test
    void aUserLogEntryReadAsBytesKeepsItsLogIds() {
        String json = "{\"execution_id\":\"e-7\",\"seq\":4,\"event_type\":\"pod_running\"}";
        Published entry = Published.parse(("1764460800000-2 1764460800000-1 " + json).getBytes(StandardCharsets.UTF_8));
        assertEquals("1764460800000-2", entry.logId());
        assertEquals("1764460800000-1", entry.prevLogId());
        assertEquals(4, entry.seq());
        assertEquals(json, entry.json());
        assertEquals("id: 1764460800000-2\nevent: pod_running\ndata: " + json + "\n\n", new String(entry.frame(), StandardCharsets.UTF_8));
    }

    @Test
    void aLineBreakInAMessageThatIsNotJsonCannotEndItsFrame() {
        for (String message : new String[] {"line one\nline two", "carriage\rreturn", ""}) {
            Published bytes = Published.parse(message.getBytes(StandardCharsets.UTF_8));
            assertEquals("message", bytes.eventType());
            assertEquals(message, bytes.json());
            assertEquals("event: message\ndata: " + message.replace("\r", "\\r").replace("\n", "\\n") + "\n\n",
                    new String(bytes.frame(null), StandardCharsets.UTF_8), "one data line, one blank line");
        }
    }
}
