package io.sserouter.topology;

import io.sserouter.config.ConsoleLogging;
import io.sserouter.config.Env;
import io.sserouter.config.RedisSettings;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything the topology deployable is configured with, read from environment variables and validated at start.
 *
 * @param kafka                any {@code KAFKA_*} variable as a Kafka Streams/client property ({@code KAFKA_STATE_DIR} → {@code state.dir})
 * @param instanceId           this instance's stable name (static group membership), null when not set
 * @param executionTopics      execution-scoped source topics, merged into the unified stream
 * @param partitions           partitions of source topics the topology creates, and of the unified (repartition)
 *                             stream on the repartitioned path
 * @param routing              {@code auto}, {@code direct} or {@code repartition}: how execution events reach their
 *                             sequencer ({@link Routing})
 * @param maxRecordBytes       larger records are dead-lettered
 * @param dlqMaxRecordBytes    largest dead-letter record written whole; larger ones are truncated (and say so)
 * @param logMaxEvents         replay-log length per execution (Redis stream MAXLEN)
 * @param logTtl               the replay log expires this long after its last write
 * @param userLog              whether events are appended to their owner's log, the source of the user stream (the
 *                             owner's list of recent executions is kept either way)
 * @param userLogMaxEvents     length of each user's log, the user stream's replay log (Redis stream MAXLEN)
 * @param statusTtl            the status snapshot expires this long after its last write
 * @param finishedRetention    how long a finished execution stays in the state store (late events keep their seq)
 * @param idleRetention        how long an execution that never finished stays after its last event
 * @param dedupWindow          how many recent event ids per execution are remembered to drop repeats
 * @param flushInterval        how often a task sends what waited behind a batch in flight, when no new event does
 * @param flushBatch           writes waiting behind the batch in flight at which the stream thread waits for it
 * @param redisMaxBlock        longest a stream thread waits for Redis in one go before it polls Kafka again
 * @param storeFormat          {@code compact} or {@code json}: how the stores' values and changelog records are written
 *                             (both are always read; {@link StoreSerde})
 * @param redisResendWindow    after Redis failed or failed over, the execution writes acknowledged lately are sent again,
 *                             so a new master that lacks them gets them; a write stops counting as lately once a write
 *                             of its execution is acknowledged this long after it (see {@link AcknowledgedWrites});
 *                             zero: never
 */
public record TopologySettings(
        Map<String, String> kafka,
        String applicationId,
        String instanceId,
        List<String> executionTopics,
        String notificationTopic,
        String systemTopic,
        String deadLetterTopic,
        int partitions,
        String routing,
        int threads,
        int httpPort,
        boolean createTopics,
        int maxRecordBytes,
        int dlqMaxRecordBytes,
        int logMaxEvents,
        Duration logTtl,
        boolean userLog,
        int userLogMaxEvents,
        Duration statusTtl,
        Duration finishedRetention,
        Duration idleRetention,
        Duration evictionInterval,
        int dedupWindow,
        Duration flushInterval,
        int flushBatch,
        Duration redisMaxBlock,
        Duration redisResendWindow,
        String storeFormat,
        RedisSettings redis) {

    public static final String EXACTLY_ONCE = "exactly_once_v2";
    public static final String AT_LEAST_ONCE = "at_least_once";
    public static final String COMPACT_STORE = "compact";
    public static final String JSON_STORE = "json";

    public static TopologySettings fromEnv(Map<String, String> vars) {
        Env env = new Env(vars);
        ConsoleLogging.checkLevel(env);
        Map<String, String> kafka = kafkaProperties(env);
        String guarantee = kafka.getOrDefault("processing.guarantee", EXACTLY_ONCE);
        if (!guarantee.equals(EXACTLY_ONCE) && !guarantee.equals(AT_LEAST_ONCE)) {
            env.problem("KAFKA_PROCESSING_GUARANTEE must be " + EXACTLY_ONCE + " or " + AT_LEAST_ONCE + ", got '" + guarantee + "'");
        }
        String topicRule = "a Kafka topic name ([A-Za-z0-9._-], at most 249 characters)";
        List<String> executionTopics = env.list("SSE_SOURCE_TOPICS", List.of("execution_events", "pod_events", "execution_results"));
        executionTopics.stream().filter(t -> !validTopic(t)).forEach(t -> env.problem("SSE_SOURCE_TOPICS entry '" + t + "' is not " + topicRule));
        TopologySettings settings = new TopologySettings(
                kafka,
                kafka.getOrDefault("application.id", "sse-router-pool"),
                env.matching("SSE_INSTANCE_ID", null, id -> id.matches("[A-Za-z0-9._-]{1,200}"),
                        "a stable name of this instance ([A-Za-z0-9._-], at most 200 characters), unique in the pool"),
                executionTopics,
                env.matching("SSE_NOTIFICATION_TOPIC", "notification_events", TopologySettings::validTopic, topicRule),
                env.matching("SSE_SYSTEM_TOPIC", "system_events", TopologySettings::validTopic, topicRule),
                env.matching("SSE_DLQ_TOPIC", "sse_router_dlq", TopologySettings::validTopic, topicRule),
                env.integer("SSE_PARTITIONS", 24, 1, 10_000),
                env.matching("SSE_ROUTING", Routing.AUTO, r -> List.of(Routing.AUTO, Routing.DIRECT, Routing.REPARTITION).contains(r),
                        "auto, direct or repartition"),
                env.integer("SSE_CONSUMER_POOL_SIZE", 10, 1, 256),
                env.integer("SSE_HTTP_PORT", 8081, 0, 65_535),
                env.bool("SSE_CREATE_TOPICS", true),
                env.integer("SSE_MAX_RECORD_BYTES", 1 << 20, 1024, 64 << 20),
                env.integer("SSE_DLQ_MAX_RECORD_BYTES", 8 << 20, 64 << 10, 64 << 20),
                env.integer("SSE_BUFFER_MAX_EVENTS", 100, 1, 100_000),
                seconds(env, "SSE_BUFFER_TTL_SECONDS", 300),
                env.bool("SSE_USER_LOG", true),
                env.integer("SSE_USER_BUFFER_MAX_EVENTS", 1_000, 1, 1_000_000),
                seconds(env, "SSE_STATUS_TTL_SECONDS", 86_400),
                seconds(env, "SSE_STATE_RETENTION_SECONDS", 90_000),
                seconds(env, "SSE_IDLE_RETENTION_SECONDS", 604_800),
                seconds(env, "SSE_EVICTION_INTERVAL_SECONDS", 60),
                env.integer("SSE_DEDUP_WINDOW", 256, 1, 100_000),
                Duration.ofMillis(env.integer("SSE_REDIS_FLUSH_MS", 5, 1, 60_000)),
                env.integer("SSE_REDIS_BATCH", 500, 1, 100_000),
                Duration.ofMillis(env.integer("SSE_REDIS_MAX_BLOCK_MS", 2_000, 100, 60_000)),
                Duration.ofSeconds(env.integer("SSE_REDIS_RESEND_SECONDS", 10, 0, 3_600)),
                env.matching("SSE_STORE_FORMAT", COMPACT_STORE, f -> f.equals(COMPACT_STORE) || f.equals(JSON_STORE), "compact or json"),
                RedisSettings.fromEnv(env));
        env.check();
        return settings;
    }

    public String processingGuarantee() {
        return kafka.getOrDefault("processing.guarantee", EXACTLY_ONCE);
    }

    public String bootstrapServers() {
        return kafka.getOrDefault("bootstrap.servers", "localhost:9092");
    }

    /** All source topics: execution topics, then notifications and system events. */
    public List<String> sourceTopics() {
        return java.util.stream.Stream.concat(executionTopics.stream(), java.util.stream.Stream.of(notificationTopic, systemTopic)).toList();
    }

    private static Duration seconds(Env env, String name, int fallback) {
        return Duration.ofSeconds(env.number(name, fallback, 1, 10L * 365 * 86_400));
    }

    private static boolean validTopic(String topic) {
        return topic.matches("[A-Za-z0-9._-]{1,249}");
    }

    /** {@code KAFKA_FOO_BAR=x} becomes {@code foo.bar=x}, the usual way of passing client properties. */
    private static Map<String, String> kafkaProperties(Env env) {
        Map<String, String> props = new TreeMap<>();
        env.all().forEach((name, value) -> {
            if (name.startsWith("KAFKA_") && name.length() > 6 && value != null && !value.isBlank()) {
                props.put(name.substring(6).toLowerCase(Locale.ROOT).replace('_', '.'), value.trim());
            }
        });
        return Map.copyOf(props);
    }
}
