package io.sserouter.topology;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sserouter.contract.ExecutionStatus;
import io.sserouter.contract.Json;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

class StoreSerdeTest {
    private static final String TOPIC = "app-execution-status-changelog";
    private static final Serde<ExecutionState> COMPACT = StoreSerde.states(StoreSerde.Format.COMPACT);
    private static final Serde<ExecutionState> JSON = StoreSerde.states(StoreSerde.Format.JSON);

    /** A state with every field set, the awkward values included: non-ASCII text, quotes, a negative time, empty text. */
    private static ExecutionState busyState() {
        String envelope = "{\"execution_id\":\"x-1\",\"seq\":41,\"event_type\":\"pod_log\",\"data\":{\"line\":\"é \\\"quoted\\\" ✓\"}}";
        SinkWrite earlier = new SinkWrite(SinkWrite.Kind.EXECUTION, "x-1", 41, "id:e41", "pod_events/3/0000000000000000012", envelope,
                "{\"status\":\"running\"}", false, null, List.of());
        SinkWrite latest = new SinkWrite(SinkWrite.Kind.EXECUTION, "x-1", 42, "src:pod_events/3/0000000000000000013", "pod_events/3/0000000000000000013",
                envelope, "", true, "user-ü", List.of(new SinkWrite.Earlier(40, envelope), new SinkWrite.Earlier(41, "{}")));
        return new ExecutionState(ExecutionStatus.RUNNING, "user-ü", 42, "pod_log", "2026-11-30T10:00:00Z", true, 1_764_500_000_123L, -1,
                List.of("id:e40", "id:e41", "src:pod_events/3/0000000000000000013"), List.of(earlier, latest),
                List.of(new SinkWrite.Earlier(39, envelope)), Map.of("id:e43", 43L, "id:e44", Long.MAX_VALUE));
    }

    @Test
    void aStateComesBackAsItWasStored() {
        ExecutionState state = busyState();
        assertEquals(state, COMPACT.deserializer().deserialize(TOPIC, COMPACT.serializer().serialize(TOPIC, state)));
        ExecutionState fresh = ExecutionState.fresh();
        assertEquals(fresh, COMPACT.deserializer().deserialize(TOPIC, COMPACT.serializer().serialize(TOPIC, fresh)), "nulls and empty lists");
        assertEquals(null, COMPACT.serializer().serialize(TOPIC, null), "a deletion stays a tombstone");
        assertEquals(null, COMPACT.deserializer().deserialize(TOPIC, null));
    }

    @Test
    void aStateStoredAsJsonIsReadWhateverTheFormatWritten() {
        ExecutionState state = busyState();
        byte[] json = Json.bytes(state); // what every release before the compact form wrote, and SSE_STORE_FORMAT=json
        assertArrayEquals(json, JSON.serializer().serialize(TOPIC, state));
        assertEquals(state, COMPACT.deserializer().deserialize(TOPIC, json));
        assertEquals(state, JSON.deserializer().deserialize(TOPIC, COMPACT.serializer().serialize(TOPIC, state)),
                "an instance told to write JSON still reads what the others wrote compact");
    }

    @Test
    void theCompactFormIsMuchSmallerThanJson() {
        ExecutionState state = busyState();
        int compact = COMPACT.serializer().serialize(TOPIC, state).length;
        int json = JSON.serializer().serialize(TOPIC, state).length;
        assertTrue(compact * 10 < json * 8, "compact " + compact + " bytes against JSON's " + json + ": the changelog carries one per event");
    }

    @Test
    void outboxWritesComeBackAsTheyWereStored() {
        Serde<SinkWrite> writes = StoreSerde.writes(StoreSerde.Format.COMPACT);
        SinkWrite notification = new SinkWrite(SinkWrite.Kind.NOTIFICATION, "user-1", 0, "id:n1", "notification_events/0/0000000000000000007",
                "{\"type\":\"notification\"}", null, false);
        SinkWrite system = new SinkWrite(SinkWrite.Kind.SYSTEM, "maintenance", 0, "src:system_events/1/0000000000000000002",
                "system_events/1/0000000000000000002", "{}", null, false);
        for (SinkWrite write : List.of(notification, system)) {
            assertEquals(write, writes.deserializer().deserialize("t", writes.serializer().serialize("t", write)));
            assertEquals(write, writes.deserializer().deserialize("t", Json.bytes(write)), "stored as JSON before");
        }
    }

    @Test
    void aDamagedValueIsRefusedWithWhatIsWrongNotMisread() {
        byte[] whole = COMPACT.serializer().serialize(TOPIC, busyState());
        for (int length : List.of(1, 2, whole.length / 2, whole.length - 1)) {
            SerializationException e = assertThrows(SerializationException.class,
                    () -> COMPACT.deserializer().deserialize(TOPIC, Arrays.copyOf(whole, length)), "cut at " + length);
            assertTrue(e.getMessage().startsWith("ExecutionState value"), e.getMessage());
        }
        byte[] longer = Arrays.copyOf(whole, whole.length + 1);
        assertTrue(assertThrows(SerializationException.class, () -> COMPACT.deserializer().deserialize(TOPIC, longer))
                .getMessage().contains("1 bytes after its end"));
        byte[] newer = whole.clone();
        newer[0] = StoreSerde.VERSION + 1;
        assertTrue(assertThrows(SerializationException.class, () -> COMPACT.deserializer().deserialize(TOPIC, newer))
                .getMessage().contains("unknown format"));
    }
}
