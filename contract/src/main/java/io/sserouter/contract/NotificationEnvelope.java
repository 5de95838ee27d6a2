package io.sserouter.contract;

import com.fasterxml.jackson.databind.JsonNode;

/** A user notification or a system event as relayed to clients; {@code userId} is null for system events. */
public record NotificationEnvelope(
        String userId,
        String eventType,
        String timestamp,
        String eventId,
        JsonNode data) {
}
