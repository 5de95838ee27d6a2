package io.sserouter.edge.relay;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntToLongFunction;

/**
 * The {@code id:} of an event of a set stream: one position per execution, in the order of the request's {@code id=}
 * parameters, separated by dots ({@code 5.0.12}). A position is the last seq the client has seen of that execution;
 * empty when it has seen nothing yet, so that execution starts fresh (with its {@code status}) on resume. Clients
 * treat it as opaque and only hand it back.
 */
public final class SetCursor {
    private static final int MAX_SEQ_DIGITS = 18;

    private SetCursor() {
    }

    /** The cursor of {@code size} executions whose positions {@code position} tells (-1: nothing seen yet). */
    static String format(int size, IntToLongFunction position) {
        StringBuilder id = new StringBuilder(size * 4);
        for (int i = 0; i < size; i++) {
            if (i > 0) {
                id.append('.');
            }
            long seq = position.applyAsLong(i);
            if (seq >= 0) {
                id.append(seq);
            }
        }
        return id.toString();
    }

    /**
     * The positions of a cursor of a set of {@code size} executions (null entries: nothing seen yet).
     *
     * @throws IllegalArgumentException when it is not {@code size} dot-separated positions of at most 18 digits
     */
    public static List<Long> parse(String cursor, int size) {
        String[] parts = cursor.split("\\.", -1);
        if (parts.length != size) {
            throw new IllegalArgumentException("it has " + parts.length + " positions for " + size + " executions");
        }
        List<Long> positions = new ArrayList<>(size);
        boolean any = false;
        for (String part : parts) {
            if (part.isEmpty()) {
                positions.add(null);
                continue;
            }
            // ASCII digits only (Long.parseLong would also take other scripts' digits), few enough to fit a long
            if (part.length() > MAX_SEQ_DIGITS || !part.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IllegalArgumentException("a position is not a non-negative integer of at most " + MAX_SEQ_DIGITS + " digits");
            }
            positions.add(Long.parseLong(part));
            any = true;
        }
        if (!any) {
            throw new IllegalArgumentException("it has no position");
        }
        return positions;
    }
}
