package io.sserouter.edge;

import io.sserouter.config.ConsoleLogging;
import io.sserouter.config.Env;
import io.sserouter.contract.RedisKeys;
import io.sserouter.config.RedisSettings;
import io.sserouter.edge.auth.JwtSettings;
import io.sserouter.edge.http.CorsRules;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The edge's configuration, from environment variables, validated at start.
 *
 * @param retry            the {@code retry:} hint sent to EventSource clients
 * @param closeLinger      how long a stream stays open after the first closing event, for stragglers from other topics
 * @param firstEventWait   how long a stream for an execution with no event yet waits before {@code not_found}
 * @param clientQueueMax     events waiting to be processed for one client before it is considered too slow and disconnected
 * @param clientBufferBytes  bytes written for one client but not yet taken by its connection, before the same
 * @param shutdownGrace      on SIGTERM, how long open streams get to move to another instance before the rest are closed
 * @param corsAllowedOrigins browser origins allowed to call the edge from a page (exact {@code scheme://host[:port]}); empty: no CORS
 * @param maxHeaderBytes     the largest request line plus headers accepted
 * @param maxExecutionsPerStream the most executions one stream of a chosen set may follow
 * @param userStreamSnapshots    how many of the user's most recently active executions a fresh user stream starts with
 */
public record EdgeSettings(
        int httpPort,
        Duration heartbeat,
        Duration retry,
        Duration closeLinger,
        Duration firstEventWait,
        int clientQueueMax,
        long clientBufferBytes,
        int writerThreads,
        int httpThreads,
        int gzipMaxStreams,
        int maxConnectionsPerUser,
        int maxConnectionsAdmin,
        int connectRatePerMinute,
        Duration shutdownGrace,
        JwtSettings jwt,
        List<String> corsAllowedOrigins,
        int maxHeaderBytes,
        int maxExecutionsPerStream,
        int userStreamSnapshots,
        RedisSettings redis) {

    public static EdgeSettings fromEnv(Map<String, String> vars) {
        Env env = new Env(vars);
        ConsoleLogging.checkLevel(env);
        EdgeSettings settings = new EdgeSettings(
                env.integer("SSE_HTTP_PORT", 8080, 0, 65_535),
                Duration.ofSeconds(env.integer("SSE_HEARTBEAT_SECONDS", 30, 1, 3_600)),
                Duration.ofMillis(env.integer("SSE_RETRY_MS", 3_000, 0, 600_000)),
                Duration.ofMillis(env.integer("SSE_CLOSE_LINGER_MS", 1_000, 0, 600_000)),
                Duration.ofSeconds(env.integer("SSE_FIRST_EVENT_WAIT_SECONDS", 60, 1, 3_600)),
                env.integer("SSE_CLIENT_QUEUE_MAX", 1_000, 10, 1_000_000),
                env.number("SSE_CLIENT_BUFFER_BYTES", 1 << 20, 4_096, 1L << 30),
                env.integer("SSE_WRITER_THREADS", 32, 1, 1_024),
                env.integer("SSE_HTTP_THREADS", 16, 8, 4_096),
                env.integer("SSE_GZIP_MAX_STREAMS", 256, 0, 1_000_000),
                env.integer("SSE_MAX_CONNECTIONS_PER_USER", 10, 1, 100_000),
                env.integer("SSE_MAX_CONNECTIONS_ADMIN", 100, 1, 1_000_000),
                env.integer("SSE_CONNECT_RATE_PER_MINUTE", 100, 1, 1_000_000),
                Duration.ofSeconds(env.integer("SSE_SHUTDOWN_GRACE_SECONDS", 10, 0, 600)),
                JwtSettings.fromEnv(env),
                CorsRules.origins(env),
                env.integer("SSE_MAX_HEADER_BYTES", 8_192, 1_024, 65_536),
                env.integer("SSE_MAX_EXECUTIONS_PER_STREAM", 32, 1, 1_000),
                env.integer("SSE_USER_STREAM_SNAPSHOTS", 20, 0, RedisKeys.USER_EXECUTIONS_KEPT),
                RedisSettings.fromEnv(env));
        env.check();
        return settings;
    }
}
