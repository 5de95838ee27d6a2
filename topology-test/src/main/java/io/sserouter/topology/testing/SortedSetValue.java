package io.sserouter.topology.testing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A Redis sorted set: members ordered by score, then by member bytes (Redis's order for equal scores). */
final class SortedSetValue {
    final Map<String, Double> scores = new HashMap<>();

    List<String> ordered() {
        List<String> members = new ArrayList<>(scores.keySet());
        members.sort(Comparator.<String>comparingDouble(scores::get).thenComparing(SortedSetValue::compareBytes));
        return members;
    }

    /** The members from rank {@code start} to {@code stop}, both included, negative counting from the end. */
    List<String> range(long start, long stop) {
        List<String> members = ordered();
        int size = members.size();
        long from = start < 0 ? Math.max(0, size + start) : start;
        long to = stop < 0 ? size + stop : Math.min(stop, size - 1);
        return from > to || from >= size ? List.of() : members.subList((int) from, (int) to + 1);
    }

    private static int compareBytes(String a, String b) {
        byte[] x = a.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] y = b.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return java.util.Arrays.compareUnsigned(x, y);
    }
}
