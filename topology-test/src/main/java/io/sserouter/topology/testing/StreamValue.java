package io.sserouter.topology.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Redis stream: entries in id order, and the last id ever added, which stays when MAXLEN trims the entries
 * away (as in Redis, a new entry must still be greater than it).
 */
final class StreamValue {
    /** One entry of a stream: its id ({@code ms-seq}) and its fields in the order given. */
    record Id(long ms, long seq) implements Comparable<Id> {
        static Id parse(String text) {
            try {
                int dash = text.indexOf('-');
                if (dash < 0) {
                    return new Id(Long.parseUnsignedLong(text), 0);
                }
                return new Id(Long.parseUnsignedLong(text.substring(0, dash)), Long.parseUnsignedLong(text.substring(dash + 1)));
            } catch (NumberFormatException e) {
                throw new RedisError("ERR Invalid stream ID specified as stream command argument");
            }
        }

        @Override
        public int compareTo(Id other) {
            int byMs = Long.compareUnsigned(ms, other.ms);
            return byMs != 0 ? byMs : Long.compareUnsigned(seq, other.seq);
        }

        @Override
        public String toString() {
            return Long.toUnsignedString(ms) + "-" + Long.toUnsignedString(seq);
        }
    }

    final List<InMemoryRedis.StreamEntry> entries = new ArrayList<>();
    private Id last = new Id(0, 0);

    /** XADD with an explicit id, or {@code *} for the next one at {@code nowMillis}. */
    String add(String idText, Map<String, String> fields, long maxLen, long nowMillis) {
        Id id;
        if (idText.equals("*")) {
            id = nowMillis > last.ms ? new Id(nowMillis, 0) : new Id(last.ms, last.seq + 1);
        } else {
            id = Id.parse(idText);
            if (id.ms == 0 && id.seq == 0) {
                throw new RedisError("ERR The ID specified in XADD must be greater than 0-0");
            }
            if (id.compareTo(last) <= 0) {
                throw new RedisError("ERR The ID specified in XADD is equal or smaller than the target stream top item");
            }
        }
        last = id;
        entries.add(new InMemoryRedis.StreamEntry(id.toString(), new LinkedHashMap<>(fields)));
        while (maxLen >= 0 && entries.size() > maxLen) {
            entries.remove(0);
        }
        return id.toString();
    }

    /** Rejects an id before any key is created for it (Redis checks the id first). */
    static void check(String idText) {
        if (!idText.equals("*")) {
            Id.parse(idText);
        }
    }
}
