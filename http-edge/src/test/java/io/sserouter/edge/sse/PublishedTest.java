package io.sserouter.edge.sse;

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
}
