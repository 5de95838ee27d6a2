package io.sserouter.edge.http;

import io.javalin.http.Context;
import io.sserouter.contract.Ids;

/** Validation of what a client sends, before a byte of a stream is written. */
final class RequestRules {
    private static final int MAX_EVENT_ID_DIGITS = 18;

    private RequestRules() {
    }

    static String executionId(Context ctx) {
        String id = ctx.pathParam("id");
        if (!Ids.valid(id)) {
            throw ApiError.of(400, "invalid_execution_id", "execution id must be 1-128 characters of [A-Za-z0-9._:-]");
        }
        return id;
    }

    /** {@code ?after=}: the seq after which a client wants the retained events; 0 (all of them) when absent. */
    static long after(Context ctx) {
        String value = ctx.queryParam("after");
        if (value == null || value.isEmpty()) {
            return 0;
        }
        if (!isSeq(value)) {
            throw ApiError.of(400, "invalid_after", "after must be a non-negative integer of at most " + MAX_EVENT_ID_DIGITS + " digits");
        }
        return Long.parseLong(value);
    }

    /** {@code Last-Event-ID} header, else {@code ?lastEventId=}; null for a fresh connect. */
    static Long lastEventId(Context ctx) {
        String value = ctx.header("Last-Event-ID");
        if (value == null || value.isBlank()) {
            value = ctx.queryParam("lastEventId");
        }
        if (value == null || value.isBlank()) {
            return null;
        }
        value = value.trim();
        if (!isSeq(value)) {
            throw ApiError.of(400, "invalid_last_event_id", "Last-Event-ID must be a non-negative integer of at most "
                    + MAX_EVENT_ID_DIGITS + " digits");
        }
        return Long.parseLong(value);
    }

    /** ASCII digits only (Long.parseLong would also take other scripts' digits), few enough to fit a long. */
    private static boolean isSeq(String value) {
        return value.length() <= MAX_EVENT_ID_DIGITS && value.chars().allMatch(c -> c >= '0' && c <= '9');
    }
}
