package io.sserouter.edge.redis;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sserouter.contract.StatusSnapshot;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * How old the data behind a snapshot is: the snapshot's own age, and the age of the pipeline heartbeat every healthy
 * topology instance refreshes. A large snapshot age with a fresh heartbeat is a quiet execution; a stale heartbeat
 * means the pipeline (topology or Kafka) has stopped and the snapshot may be behind.
 */
public final class PipelineHealth {
    /** Heartbeats come every 5 s; this many seconds without one means the pipeline is not delivering. */
    static final Duration STALLED_AFTER = Duration.ofSeconds(30);

    private final RedisReader reader;
    private volatile Long lastBeatMillis;

    public PipelineHealth(RedisReader reader) {
        this.reader = reader;
    }

    /** Reads the heartbeat; run every couple of seconds so requests never wait for it. */
    public void refresh() {
        try {
            lastBeatMillis = reader.pipelineHeartbeat();
        } catch (RuntimeException redisDown) {
            // keep the last known value: its age keeps growing, which is the truth as far as this edge can tell
        }
    }

    /** Seconds since the last heartbeat, or -1 when none was ever seen. */
    public long heartbeatAgeSeconds() {
        Long beat = lastBeatMillis;
        return beat == null ? -1 : Math.max(0, (System.currentTimeMillis() - beat) / 1000);
    }

    /**
     * The snapshot as clients get it (status event, status route, executions list): its fields, plus
     * {@code age_seconds} and {@code pipeline}.
     */
    public ObjectNode describe(StatusSnapshot stored) {
        ObjectNode snapshot = stored.toJson();
        String updatedAt = stored.updatedAt();
        if (updatedAt != null) {
            try {
                snapshot.put("age_seconds", Math.max(0, Duration.between(Instant.parse(updatedAt), Instant.now()).toSeconds()));
            } catch (DateTimeParseException ignored) {
                // a snapshot from elsewhere without a usable time: no age rather than a wrong one
            }
        }
        long beatAge = heartbeatAgeSeconds();
        ObjectNode pipeline = snapshot.putObject("pipeline");
        if (beatAge >= 0) {
            pipeline.put("heartbeat_age_seconds", beatAge);
        } else {
            pipeline.putNull("heartbeat_age_seconds");
        }
        pipeline.put("stalled", beatAge < 0 || beatAge > STALLED_AFTER.toSeconds());
        return snapshot;
    }
}
