package io.sserouter.topology;

import io.sserouter.contract.ExecutionStatus;
import io.sserouter.contract.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serdes of the stores' values (execution states, outbox writes), which are read and written once per event and
 * sent to the changelog each time. The compact form is a version byte, then each field in declaration order:
 * numbers as variable-length integers, strings as their UTF-8 length and bytes, lists and maps as their size and
 * items. It costs a fraction of JSON's CPU, above all for the envelopes and snapshots a state carries, which are
 * JSON documents that JSON would escape into strings.
 *
 * <p>Both forms are always read: a JSON value begins with '{', the compact form with its version. A store
 * written before the compact form existed, or by an instance running with {@code SSE_STORE_FORMAT=json}, is read
 * as it is and rewritten in the configured form by the next update of each key. Version 1 held a state's recent
 * identities as strings; version 2 holds their fingerprints ({@link RecentIds}), 8 bytes each.
 */
final class StoreSerde {
    /** The first byte of a compact value; a later change of the layout takes the next number. */
    static final byte VERSION = 2;
    /** The oldest layout still read. */
    private static final byte OLDEST = 1;

    /** How values are written; reading accepts both. */
    enum Format { COMPACT, JSON }

    private StoreSerde() {
    }

    static Serde<ExecutionState> states(Format format) {
        return serde(format, ExecutionState.class, StoreSerde::writeState, StoreSerde::readState);
    }

    static Serde<SinkWrite> writes(Format format) {
        return serde(format, SinkWrite.class, StoreSerde::writeWrite, StoreSerde::readWrite);
    }

    private static <T> Serde<T> serde(Format format, Class<T> type, Encoder<T> encoder, Decoder<T> decoder) {
        Serializer<T> serializer = (topic, value) -> {
            if (value == null) {
                return null;
            }
            if (format == Format.JSON) {
                return Json.bytes(value);
            }
            Out out = new Out();
            encoder.write(value, out);
            return out.toBytes();
        };
        Deserializer<T> deserializer = (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            if (bytes.length > 0 && bytes[0] == '{') {
                return Json.read(bytes, type);
            }
            if (bytes.length == 0 || bytes[0] < OLDEST || bytes[0] > VERSION) {
                throw new SerializationException(type.getSimpleName() + " value in an unknown format (first byte "
                        + (bytes.length == 0 ? "missing" : bytes[0]) + "): written by a newer release?");
            }
            In in = new In(bytes);
            T value;
            try {
                value = decoder.read(in);
            } catch (RuntimeException e) { // a cut or damaged value: out of bounds, or a count that cannot be
                throw new SerializationException(type.getSimpleName() + " value is corrupt at byte " + in.at + " of " + bytes.length
                        + ": " + e.getMessage(), e);
            }
            if (in.at != bytes.length) {
                throw new SerializationException(type.getSimpleName() + " value has " + (bytes.length - in.at) + " bytes after its end");
            }
            return value;
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }

    private static void writeState(ExecutionState state, Out out) {
        out.string(state.status().name());
        out.string(state.owner());
        out.number(state.lastSeq());
        out.string(state.lastEventType());
        out.string(state.lastEventTime());
        out.bool(state.closed());
        out.number(state.touchedAt());
        out.number(state.finishedAt());
        out.number(state.recentIds().size());
        for (int i = 0; i < state.recentIds().size(); i++) {
            out.fixed64(state.recentIds().get(i));
        }
        out.number(state.unwritten().size());
        for (SinkWrite write : state.unwritten()) {
            writeWrite(write, out);
        }
        writeEarlier(state.ownerless(), out);
        out.number(state.replayed().size());
        for (Map.Entry<String, Long> entry : state.replayed().entrySet()) {
            out.string(entry.getKey());
            out.number(entry.getValue());
        }
    }

    private static ExecutionState readState(In in) {
        ExecutionStatus status = ExecutionStatus.valueOf(in.string());
        String owner = in.string();
        long lastSeq = in.number();
        String lastEventType = in.string();
        String lastEventTime = in.string();
        boolean closed = in.bool();
        long touchedAt = in.number();
        long finishedAt = in.number();
        RecentIds recentIds = readRecentIds(in);
        int writes = in.count();
        List<SinkWrite> unwritten = new ArrayList<>(writes);
        for (int i = 0; i < writes; i++) {
            unwritten.add(readWrite(in));
        }
        List<SinkWrite.Earlier> ownerless = readEarlier(in);
        int kept = in.count();
        Map<String, Long> replayed = kept == 0 ? Map.of() : new HashMap<>();
        for (int i = 0; i < kept; i++) {
            replayed.put(in.string(), in.number());
        }
        return new ExecutionState(status, owner, lastSeq, lastEventType, lastEventTime, closed, touchedAt, finishedAt,
                recentIds, unwritten, ownerless, replayed);
    }

    private static RecentIds readRecentIds(In in) {
        int n = in.count();
        if (in.version == 1) {
            List<String> identities = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                identities.add(in.string());
            }
            return RecentIds.ofIdentities(identities);
        }
        long[] fingerprints = new long[n];
        for (int i = 0; i < n; i++) {
            fingerprints[i] = in.fixed64();
        }
        return RecentIds.of(fingerprints);
    }

    private static void writeWrite(SinkWrite write, Out out) {
        out.number(write.kind().ordinal());
        out.string(write.target());
        out.number(write.seq());
        out.string(write.dedupId());
        out.string(write.source());
        out.string(write.envelope());
        out.string(write.snapshot());
        out.bool(write.finished());
        out.string(write.owner());
        writeEarlier(write.earlier(), out);
    }

    private static SinkWrite readWrite(In in) {
        SinkWrite.Kind kind = SinkWrite.Kind.values()[in.count()];
        return new SinkWrite(kind, in.string(), in.number(), in.string(), in.string(), in.string(), in.string(), in.bool(),
                in.string(), readEarlier(in));
    }

    private static void writeEarlier(List<SinkWrite.Earlier> events, Out out) {
        out.number(events.size());
        for (SinkWrite.Earlier event : events) {
            out.number(event.seq());
            out.string(event.envelope());
        }
    }

    private static List<SinkWrite.Earlier> readEarlier(In in) {
        int n = in.count();
        if (n == 0) {
            return List.of();
        }
        List<SinkWrite.Earlier> events = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            events.add(new SinkWrite.Earlier(in.number(), in.string()));
        }
        return events;
    }

    private interface Encoder<T> {
        void write(T value, Out out);
    }

    private interface Decoder<T> {
        T read(In in);
    }

    /**
     * A growing byte array that starts with {@link #VERSION}. Numbers are zigzag varints (small either side of zero);
     * a string's length is stored plus one, 0 meaning null.
     */
    private static final class Out {
        private byte[] bytes = new byte[512];
        private int size;

        Out() {
            bytes[size++] = VERSION;
        }

        void number(long value) {
            room(10);
            long v = (value << 1) ^ (value >> 63);
            while ((v & ~0x7FL) != 0) {
                bytes[size++] = (byte) ((v & 0x7F) | 0x80);
                v >>>= 7;
            }
            bytes[size++] = (byte) v;
        }

        void fixed64(long value) {
            room(8);
            for (int shift = 56; shift >= 0; shift -= 8) {
                bytes[size++] = (byte) (value >>> shift);
            }
        }

        void bool(boolean value) {
            room(1);
            bytes[size++] = (byte) (value ? 1 : 0);
        }

        void string(String value) {
            if (value == null) {
                number(0);
                return;
            }
            byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
            number(utf8.length + 1L);
            room(utf8.length);
            System.arraycopy(utf8, 0, bytes, size, utf8.length);
            size += utf8.length;
        }

        private void room(int more) {
            if (size + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
            }
        }

        byte[] toBytes() {
            return Arrays.copyOf(bytes, size);
        }
    }

    /** Reads what {@link Out} wrote, after the version byte the caller checked. */
    private static final class In {
        private final byte[] bytes;
        private final byte version;
        private int at = 1;

        In(byte[] bytes) {
            this.bytes = bytes;
            this.version = bytes[0];
        }

        long fixed64() {
            if (bytes.length - at < 8) {
                throw new IllegalArgumentException("a fingerprint cut short");
            }
            long value = 0;
            for (int i = 0; i < 8; i++) {
                value = value << 8 | (bytes[at++] & 0xFF);
            }
            return value;
        }

        long number() {
            long v = 0;
            for (int shift = 0; ; shift += 7) {
                if (shift > 63) {
                    throw new IllegalArgumentException("a number longer than 10 bytes");
                }
                byte b = bytes[at++];
                v |= (long) (b & 0x7F) << shift;
                if (b >= 0) {
                    return (v >>> 1) ^ -(v & 1);
                }
            }
        }

        /** A size or a code: never negative, never beyond what the value's remaining bytes could hold. */
        int count() {
            long n = number();
            if (n < 0 || n > bytes.length - at) {
                throw new IllegalArgumentException("a count of " + n);
            }
            return (int) n;
        }

        boolean bool() {
            return bytes[at++] != 0;
        }

        String string() {
            long n = number() - 1;
            if (n < 0) {
                if (n == -1) {
                    return null;
                }
                throw new IllegalArgumentException("a string length of " + n);
            }
            if (n > bytes.length - at) {
                throw new IllegalArgumentException("a string of " + n + " bytes");
            }
            String s = new String(bytes, at, (int) n, StandardCharsets.UTF_8);
            at += (int) n;
            return s;
        }
    }
}
