package io.sserouter.edge.http;

import io.sserouter.contract.Ids;
import io.sserouter.edge.auth.Principal;
import io.sserouter.edge.relay.SetCursor;
import io.sserouter.edge.relay.UserLogId;
import java.util.HashSet;
import java.util.List;

/** Validation of what a client sends, before a byte of a stream is written. */
final class RequestRules {
    private static final int MAX_EVENT_ID_DIGITS = 18;

    private RequestRules() {
    }

    static String executionId(Exchange exchange) {
        String id = exchange.pathParam("id");
        if (!Ids.valid(id)) {
            throw ApiError.of(400, "invalid_execution_id", "execution id must be 1-128 characters of [A-Za-z0-9._:-]");
        }
        return id;
    }

    /** The {@code ?id=} parameters of a set stream: 1 to {@code max} valid execution ids, each once, in order. */
    static List<String> executionIds(Exchange exchange, int max) {
        List<String> ids = exchange.queryParams("id");
        if (ids.isEmpty()) {
            throw ApiError.of(400, "missing_execution_id", "name the executions to follow with id=, e.g. ?id=a&id=b");
        }
        if (ids.size() > max) {
            throw ApiError.of(400, "too_many_executions", "a stream follows at most " + max + " executions; this request names " + ids.size());
        }
        HashSet<String> seen = new HashSet<>();
        for (String id : ids) {
            if (!Ids.valid(id)) {
                throw ApiError.of(400, "invalid_execution_id", "execution id must be 1-128 characters of [A-Za-z0-9._:-]");
            }
            if (!seen.add(id)) {
                throw ApiError.of(400, "duplicate_execution_id", "execution " + id + " is named more than once");
            }
        }
        return List.copyOf(ids);
    }

    /**
     * The set stream's cursor ({@code Last-Event-ID} header, else {@code ?lastEventId=}): one position per execution
     * of the set; null for a fresh connect.
     */
    static List<Long> setCursor(Exchange exchange, int size) {
        String value = lastEventIdText(exchange);
        if (value == null) {
            return null;
        }
        try {
            return SetCursor.parse(value, size);
        } catch (IllegalArgumentException e) {
            throw ApiError.of(400, "invalid_last_event_id", "Last-Event-ID must be an id this stream sent (" + size
                    + " dot-separated positions, one per id= in order): " + e.getMessage());
        }
    }

    /** The user stream's cursor ({@code Last-Event-ID} header, else {@code ?lastEventId=}): a log id; null for a fresh connect. */
    static UserLogId userCursor(Exchange exchange) {
        String value = lastEventIdText(exchange);
        if (value == null) {
            return null;
        }
        try {
            return UserLogId.parse(value);
        } catch (IllegalArgumentException e) {
            throw ApiError.of(400, "invalid_last_event_id", "Last-Event-ID must be an id this stream sent ({ms}-{n}, e.g. 1764460800000-0)");
        }
    }

    /** {@code ?user=}: whose stream or list an admin asks for; the caller's own when absent. Others' need the admin claim. */
    static String user(Exchange exchange, Principal principal) {
        String user = exchange.queryParam("user");
        if (user == null || user.isEmpty()) {
            return principal.userId();
        }
        if (!Ids.valid(user)) {
            throw ApiError.of(400, "invalid_user", "user must be 1-128 characters of [A-Za-z0-9._:-]");
        }
        if (!principal.admin() && !user.equals(principal.userId())) {
            throw ApiError.of(403, "forbidden", "only admins may read another user's events");
        }
        return user;
    }

    /** {@code ?after=}: the seq after which a client wants the retained events; 0 (all of them) when absent. */
    static long after(Exchange exchange) {
        String value = exchange.queryParam("after");
        if (value == null || value.isEmpty()) {
            return 0;
        }
        if (!isSeq(value)) {
            throw ApiError.of(400, "invalid_after", "after must be a non-negative integer of at most " + MAX_EVENT_ID_DIGITS + " digits");
        }
        return Long.parseLong(value);
    }

    /** {@code Last-Event-ID} header, else {@code ?lastEventId=}; null for a fresh connect. */
    static Long lastEventId(Exchange exchange) {
        String value = lastEventIdText(exchange);
        if (value == null) {
            return null;
        }
        if (!isSeq(value)) {
            throw ApiError.of(400, "invalid_last_event_id", "Last-Event-ID must be a non-negative integer of at most "
                    + MAX_EVENT_ID_DIGITS + " digits");
        }
        return Long.parseLong(value);
    }

    private static String lastEventIdText(Exchange exchange) {
        String value = exchange.header("Last-Event-ID");
        if (value == null || value.isBlank()) {
            value = exchange.queryParam("lastEventId");
        }
        return value == null || value.isBlank() ? null : value.trim();
    }

    /** ASCII digits only (Long.parseLong would also take other scripts' digits), few enough to fit a long. */
    private static boolean isSeq(String value) {
        return value.length() <= MAX_EVENT_ID_DIGITS && value.chars().allMatch(c -> c >= '0' && c <= '9');
    }
}
