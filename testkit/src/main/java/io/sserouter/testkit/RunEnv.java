package io.sserouter.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Environment variables for one test run against the shared broker and Redis: its own application id, state
 * directory, topics and Redis key prefix (all named after {@code run}), so runs never see each other's data.
 */
public final class RunEnv {
    private RunEnv() {
    }

    public static Map<String, String> of(String run) {
        return of(run, Infra.redis().url());
    }

    public static Map<String, String> of(String run, String redisUrl) {
        Map<String, String> env = new HashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", Infra.kafka().bootstrapServers());
        env.put("KAFKA_APPLICATION_ID", run + "app");
        env.put("KAFKA_STATE_DIR", stateDir(run));
        env.put("REDIS_URL", redisUrl);
        env.put("SSE_REDIS_PREFIX", run);
        env.put("SSE_SOURCE_TOPICS", run + "execution_events," + run + "pod_events," + run + "execution_results");
        env.put("SSE_NOTIFICATION_TOPIC", run + "notification_events");
        env.put("SSE_SYSTEM_TOPIC", run + "system_events");
        env.put("SSE_DLQ_TOPIC", run + "dlq");
        env.put("SSE_PARTITIONS", "4");
        env.put("SSE_CONSUMER_POOL_SIZE", "2");
        env.put("SSE_HTTP_PORT", "0");
        return env;
    }

    private static String stateDir(String run) {
        try {
            return Files.createTempDirectory(Files.createDirectories(Path.of("target", "state")), run).toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
