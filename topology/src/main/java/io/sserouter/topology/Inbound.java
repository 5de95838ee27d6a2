package io.sserouter.topology;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A validated, normalised input record on its way through the topology.
 *
 * @param eventType   normalised (dotted spelling turned into underscores)
 * @param userId      {@code metadata.user_id} (or top-level {@code user_id}); required for notifications
 * @param timestamp   ISO-8601; the Kafka record time when the producer gave none
 * @param source      where the record was read ({@code topic/partition/offset}): its identity when it has no event_id
 * @param data        the producer's record, unchanged
 */
record Inbound(
        String eventType,
        String executionId,
        String userId,
        String eventId,
        String timestamp,
        String source,
        JsonNode data) {

    Inbound stamped(String source, String timestamp) {
        return new Inbound(eventType, executionId, userId, eventId, this.timestamp != null ? this.timestamp : timestamp, source, data);
    }

    /** The partition it was read from, in the stamp. */
    int sourcePartition() {
        int end = source.lastIndexOf('/');
        return Integer.parseInt(source, source.lastIndexOf('/', end - 1) + 1, end, 10);
    }

    /** The topic of a stamp {@code topic/partition/offset} (a topic name has no '/'). */
    static String topicOf(String source) {
        return source.substring(0, source.lastIndexOf('/', source.lastIndexOf('/') - 1));
    }

    /** The offset of a stamp {@code topic/partition/offset}. */
    static long offsetOf(String source) {
        return Long.parseLong(source, source.lastIndexOf('/') + 1, source.length(), 10);
    }

    /** What makes two records the same event: the producer's id, else the place it was first read. */
    String dedupId() {
        return eventId != null ? "id:" + eventId : "src:" + source;
    }
}
