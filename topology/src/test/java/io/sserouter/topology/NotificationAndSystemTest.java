package io.sserouter.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.sserouter.contract.Json;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NotificationAndSystemTest {
    private TopologyHarness h;

    @BeforeEach
    void start() {
        h = new TopologyHarness();
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

        List<String> alice = h.published.await(h.keys.notifications("alice"), 1, Duration.ofSeconds(5));
        List<String> bob = h.published.await(h.keys.notifications("bob"), 1, Duration.ofSeconds(5));
        h.published.await("never", 1, Duration.ofMillis(200)); // give a repeat time to show up
        assertEquals(1, h.published.on(h.keys.notifications("alice")).size(), "a repeated event_id is published once");
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

        assertEquals(3, h.published.await(h.keys.broadcast(), 3, Duration.ofSeconds(5)).size());
        Map<String, String> latest = h.redis.hgetAll(h.keys.broadcastLatest());
        assertEquals("1.1", Json.read(latest.get("version"), JsonNode.class).get("data").get("version").asText());
        assertEquals("soon", Json.read(latest.get("maintenance"), JsonNode.class).get("data").get("at").asText());
    }
}
