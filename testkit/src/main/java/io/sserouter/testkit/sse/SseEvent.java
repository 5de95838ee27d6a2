package io.sserouter.testkit.sse;

import com.fasterxml.jackson.databind.JsonNode;
import io.sserouter.contract.Json;

/**
 * One dispatched Server-Sent Event, as a browser's EventSource hands it to the page.
 *
 * @param id               the {@code id:} field of this event's own block, null when it had none
 * @param event            the event name, {@code message} when the block named none (as in a browser)
 * @param data             the data lines joined by {@code \n}
 * @param lastEventId      the stream's last event id at this event (a browser's {@code event.lastEventId}), "" before any
 * @param receivedAtMillis when it was dispatched, wall clock
 */
public record SseEvent(String id, String event, String data, String lastEventId, long receivedAtMillis) {
    /** The data as JSON (every event of the edge carries one line of JSON). */
    public JsonNode json() {
        return Json.read(data, JsonNode.class);
    }
}
