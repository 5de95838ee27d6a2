package io.sserouter.edge.http;

import io.javalin.config.JavalinConfig;
import io.javalin.http.HttpResponseException;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sserouter.config.RedisFailures;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/** Every route of the edge, in one place. */
public final class Routes {
    private static final Logger LOG = LoggerFactory.getLogger(Routes.class);

    private Routes() {
    }

    public static void configure(JavalinConfig cfg, ExecutionStreamHandler executionEvents, ExecutionSetStreamHandler executionSetEvents,
                                 UserStreamHandler userEvents, NotificationStreamHandler notifications,
                                 StatusHandler status, EventLogHandler eventLog, ExecutionsHandler executions,
                                 BooleanSupplier ready, PrometheusMeterRegistry registry) {
        cfg.routes.get("/", DemoPage::index);
        cfg.routes.get("/demo/{file}", DemoPage::asset);
        cfg.routes.get("/api/v1/events", userEvents);
        cfg.routes.get("/api/v1/events/executions/{id}", executionEvents);
        cfg.routes.get("/api/v1/events/executions", executionSetEvents);
        cfg.routes.get("/api/v1/events/notifications", notifications);
        cfg.routes.get("/api/v1/executions/{id}/status", status);
        cfg.routes.get("/api/v1/executions/{id}/events", eventLog);
        cfg.routes.get("/api/v1/executions", executions);
        cfg.routes.get("/health/live", ctx -> ctx.json(Map.of("status", "up")));
        cfg.routes.get("/health/ready", ctx -> {
            boolean up = ready.getAsBoolean();
            ctx.status(up ? 200 : 503).json(Map.of("status", up ? "ready" : "not_ready"));
        });
        cfg.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(registry.scrape()));

        cfg.routes.exception(HttpResponseException.class, (e, ctx) -> ctx.status(e.getStatus()).json(ApiError.body(e)));
        // Redis frozen or too slow: admission and snapshot reads time out, or wait in vain for a pooled connection,
        // while the subscriber still looks up. A 503 makes a load balancer try another instance and a client retry;
        // a 500 would make EventSource give up. So does a cluster mid-failover or slot move (CLUSTERDOWN, MOVED,
        // TRYAGAIN...); any other error answered by Redis itself stays a 500.
        cfg.routes.exception(JedisException.class, (e, ctx) -> {
            if (e instanceof JedisDataException data && !RedisFailures.passing(data)) {
                LOG.error("Unexpected error on {} {}", ctx.method(), ctx.path(), e);
                ctx.status(500).json(Map.of("error", "internal_error", "message", "the request could not be served"));
                return;
            }
            LOG.warn("Redis did not answer on {} {}: {}", ctx.method(), ctx.path(), e.getMessage());
            ctx.header("Retry-After", "5");
            ctx.status(503).json(Map.of("error", "unavailable", "message", "event storage is unreachable; retry shortly"));
        });
        cfg.routes.exception(Exception.class, (e, ctx) -> {
            LOG.error("Unexpected error on {} {}", ctx.method(), ctx.path(), e);
            ctx.status(500).json(Map.of("error", "internal_error", "message", "the request could not be served"));
        });
    }
}
