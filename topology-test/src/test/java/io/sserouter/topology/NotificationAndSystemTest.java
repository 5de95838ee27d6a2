package io.sserouter.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.sserouter.contract.Json;
import io.sserouter.topology.testing.SseRouterTestDriver;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Notifications and system events, through the production topology into Redis (in memory, the same scripts). */
class NotificationAndSystemTest {
    private SseRouterTestDriver h;

    @BeforeEach
    void start() {
        h = new SseRouterTestDriver();
    }

    @AfterEach
    void stop() {
        h.close();
    }

    @Test
    void notificationsGoToTheirUsersChannelOnce() {
        h.send("notification_events", "{\"user_id\":\"alice\",\"event_type\":\"quota_warning\",\"event_id\":\"n-1\",\"used\":90}");
        h.send("notification_events", "{\"user_id\":\"alice\",\"event_type\":\"quota_warning\",\"event_id\":\"n-1\",\"used\":90}");
        h.send("notification_events", "{\"user_id\":\"bob\",\"message\":\"hello\"}");

        List<String> alice = h.publishedOn(h.keys().notifications("alice"));
        List<String> bob = h.publishedOn(h.keys().notifications("bob"));
        assertEquals(1, alice.size(), "a repeated event_id is published once");
        assertEquals(1, bob.size());
        JsonNode first = Json.read(alice.get(0), JsonNode.class);
        assertEquals("alice", first.get("user_id").asText());
        assertEquals("quota_warning", first.get("event_type").asText());
        assertEquals(90, first.get("data").get("used").asInt());
        assertEquals("notification", Json.read(bob.get(0), JsonNode.class).get("event_type").asText());
    }

    @Test
    void systemEventsAreBroadcastAndTheLatestOfEachTypeIsKept() {
        h.send("system_events", "{\"event_type\":\"version\",\"version\":\"1.0\"}");
        h.send("system_events", "{\"event_type\":\"maintenance\",\"at\":\"soon\"}");
        h.send("system_events", "{\"event_type\":\"version\",\"version\":\"1.1\"}");

        assertEquals(3, h.publishedOn(h.keys().broadcast()).size());
        Map<String, String> latest = h.redis().hash(h.keys().broadcastLatest());
        assertEquals("1.1", Json.read(latest.get("version"), JsonNode.class).get("data").get("version").asText());
        assertEquals("soon", Json.read(latest.get("maintenance"), JsonNode.class).get("data").get("at").asText());
    }
}
