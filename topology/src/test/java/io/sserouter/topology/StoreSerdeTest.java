package io.sserouter.topology;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sserouter.contract.ExecutionStatus;
import io.sserouter.contract.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
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
                RecentIds.ofIdentities(List.of("id:e40", "id:e41", "src:pod_events/3/0000000000000000013")), List.of(earlier, latest),
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

    /** A state of the previous layout (version 1, identities as strings), as that release wrote it. */
    private static final String VERSION_1_STATE = "011052554e4e494e4708752d310624657865637574696f6e5f737461727465642a323032362d31312d33305431303a30303a"
            + "30305a00f6b5aac6da6600060c69643a6531267372633a706f645f6576656e74732f322f350c69643a6533020008782d31060c69643a65332a6578656375"
            + "74696f6e5f6576656e74732f322f37147b22736571223a337d1e7b226c6173745f736571223a337d0008752d31000000";
    /** The same state as JSON, as every release wrote it with SSE_STORE_FORMAT=json before the fingerprints. */
    private static final String OLD_JSON_STATE = "{\"status\":\"running\",\"owner\":\"u-1\",\"last_seq\":3,\"last_event_type\":\"execution_started\","
            + "\"last_event_time\":\"2026-11-30T10:00:00Z\",\"closed\":false,\"touched_at\":1764500000123,\"finished_at\":0,"
            + "\"recent_ids\":[\"id:e1\",\"src:pod_events/2/5\",\"id:e3\"],\"unwritten\":[{\"kind\":\"EXECUTION\",\"target\":\"x-1\","
            + "\"seq\":3,\"dedup_id\":\"id:e3\",\"source\":\"execution_events/2/7\",\"envelope\":\"{\\\"seq\\\":3}\","
            + "\"snapshot\":\"{\\\"last_seq\\\":3}\",\"finished\":false,\"owner\":\"u-1\",\"earlier\":[]}],\"ownerless\":[],\"replayed\":{}}";

    @Test
    void aStateStoredByTheReleaseBeforeStillRecognisesItsRepeats() {
        SinkWrite unwritten = new SinkWrite(SinkWrite.Kind.EXECUTION, "x-1", 3, "id:e3", "execution_events/2/7", "{\"seq\":3}",
                "{\"last_seq\":3}", false, "u-1", List.of());
        ExecutionState expected = new ExecutionState(ExecutionStatus.RUNNING, "u-1", 3, "execution_started", "2026-11-30T10:00:00Z", false,
                1_764_500_000_123L, 0, RecentIds.ofIdentities(List.of("id:e1", "src:pod_events/2/5", "id:e3")), List.of(unwritten), List.of(), Map.of());
        byte[] version1 = HexFormat.of().parseHex(VERSION_1_STATE);
        for (byte[] stored : List.of(version1, OLD_JSON_STATE.getBytes(StandardCharsets.UTF_8))) {
            ExecutionState state = COMPACT.deserializer().deserialize(TOPIC, stored);
            assertEquals(expected, state);
            assertTrue(state.seen("id:e1") && state.seen("src:pod_events/2/5") && state.seen("id:e3"), "a repeat of a remembered event is dropped");
            assertFalse(state.seen("id:e2") || state.seen("src:pod_events/2/6"), "an event never seen is not taken for a repeat");
            assertEquals(StoreSerde.VERSION, COMPACT.serializer().serialize(TOPIC, state)[0], "rewritten in the current layout by its next update");
        }
    }

    @Test
    void aLongExecutionsStateCarriesItsWindowOfIdentitiesInEightBytesEach() {
        ExecutionState state = ExecutionState.fresh();
        List<String> identities = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            String identity = "id:" + UUID.nameUUIDFromBytes(("event-" + i).getBytes(StandardCharsets.UTF_8));
            identities.add(identity);
            state = state.next(new Inbound("custom_log", "x-1", "u-1", identity.substring(3), "2026-11-30T10:00:00Z", "execution_events/0/" + i,
                    null), i + 1, ExecutionStatus.RUNNING, false, 1_000 + i, 256);
        }
        state = COMPACT.deserializer().deserialize(TOPIC, COMPACT.serializer().serialize(TOPIC, state));
        assertEquals(256, state.recentIds().size());
        for (int i = 0; i < 300; i++) {
            assertEquals(i >= 300 - 256, state.seen(identities.get(i)), "event " + i + " of 300 with a window of 256");
        }
        int bytes = COMPACT.serializer().serialize(TOPIC, state).length;
        assertTrue(bytes < 256 * 8 + 200, bytes + " bytes, where the 256 identities alone take " + 256 * 39);
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
