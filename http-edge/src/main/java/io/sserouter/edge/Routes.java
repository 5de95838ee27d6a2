package io.sserouter.edge;

import io.javalin.config.JavalinConfig;
import io.javalin.http.HttpResponseException;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Every route of the edge, in one place. */
final class Routes {
    private static final Logger LOG = LoggerFactory.getLogger(Routes.class);

    private Routes() {
    }

    static void configure(JavalinConfig cfg, ExecutionEventsHandler executionEvents, NotificationsHandler notifications, StatusHandler status,
                          BooleanSupplier ready, PrometheusMeterRegistry registry) {
        cfg.routes.get("/", DemoPage::index);
        cfg.routes.get("/demo/{file}", DemoPage::asset);
        cfg.routes.get("/api/v1/events/executions/{id}", executionEvents);
        cfg.routes.get("/api/v1/events/notifications", notifications);
        cfg.routes.get("/api/v1/executions/{id}/status", status);
        cfg.routes.get("/health/live", ctx -> ctx.json(Map.of("status", "up")));
        cfg.routes.get("/health/ready", ctx -> {
            boolean up = ready.getAsBoolean();
            ctx.status(up ? 200 : 503).json(Map.of("status", up ? "ready" : "not_ready"));
        });
        cfg.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(registry.scrape()));

        cfg.routes.exception(HttpResponseException.class, (e, ctx) -> ctx.status(e.getStatus()).json(ApiError.body(e)));
        cfg.routes.exception(Exception.class, (e, ctx) -> {
            LOG.error("Unexpected error on {} {}", ctx.method(), ctx.path(), e);
            ctx.status(500).json(Map.of("error", "internal_error", "message", "the request could not be served"));
        });
    }
}
