package io.sserouter.edge.http;

import io.javalin.config.JavalinConfig;
import io.javalin.http.ExceptionHandler;
import io.javalin.http.HttpResponseException;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;
import java.util.function.BooleanSupplier;
import redis.clients.jedis.exceptions.JedisException;

/** Every route of the edge, in one place: the streams are served in front of Javalin by {@link StreamRoutes}. */
public final class Routes {
    private Routes() {
    }

    public static void configure(JavalinConfig cfg, StatusHandler status, EventLogHandler eventLog, ExecutionsHandler executions,
                                 BooleanSupplier ready, PrometheusMeterRegistry registry) {
        cfg.routes.get("/", DemoPage::index);
        cfg.routes.get("/demo/{file}", DemoPage::asset);
        // A GET on a stream path never gets here (StreamRoutes serves it); the route is declared so that another
        // method on it is answered 405, as on every other route, not 404.
        for (String path : StreamRoutes.PATHS) {
            cfg.routes.get(path, ctx -> {
                throw new IllegalStateException("GET " + path + " is served by StreamRoutes");
            });
        }
        cfg.routes.get("/api/v1/executions/{id}/status", status);
        cfg.routes.get("/api/v1/executions/{id}/events", eventLog);
        cfg.routes.get("/api/v1/executions", executions);
        cfg.routes.get("/health/live", ctx -> ctx.json(Map.of("status", "up")));
        cfg.routes.get("/health/ready", ctx -> {
            boolean up = ready.getAsBoolean();
            ctx.status(up ? 200 : 503).json(Map.of("status", up ? "ready" : "not_ready"));
        });
        cfg.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(registry.scrape()));

        // ApiError's refusals and Javalin's own (404, 405), Redis failures (503), anything unexpected (500): Javalin
        // answers an HttpResponseException itself unless that class has a handler of its own
        ExceptionHandler<Exception> json = (e, ctx) -> ctx.json(ApiError.answer(e, new JavalinExchange(ctx)));
        cfg.routes.exception(HttpResponseException.class, json);
        cfg.routes.exception(JedisException.class, json);
        cfg.routes.exception(Exception.class, json);
    }
}
