package io.sserouter.edge.http;

import io.javalin.config.JavalinConfig;
import io.sserouter.config.Env;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Set;

/**
 * Cross-origin access for browser pages on other origins, limited to the exact origins configured. An allowed
 * origin's preflight is answered with the one method and the request headers a client uses; its requests get
 * {@code Access-Control-Allow-Origin} (also on errors, so the page can read the JSON reason). Any other origin gets
 * no CORS header and is otherwise served as if it had sent none. Credentials are never allowed: the edge uses no
 * cookies, a token travels in {@code Authorization} or {@code ?token=}.
 */
public final class CorsRules {
    public static final String ALLOWED_HEADERS = "Authorization, Last-Event-ID, Cache-Control";
    private static final String MAX_AGE_SECONDS = "600";

    private final Set<String> origins;

    private CorsRules(List<String> origins) {
        this.origins = Set.copyOf(origins);
    }

    /** The rules for these origins; with none allowed, no CORS header at all. */
    public static CorsRules of(List<String> allowedOrigins) {
        return new CorsRules(allowedOrigins);
    }

    /** For the routes Javalin serves; the streams apply the same rules in {@link StreamRoutes}. */
    public void configure(JavalinConfig cfg) {
        if (!origins.isEmpty()) {
            cfg.routes.before("/api/*", ctx -> {
                if (apply(new JavalinExchange(ctx))) {
                    ctx.skipRemainingHandlers();
                }
            });
        }
    }

    /** Sets the CORS headers of a request under {@code /api/}; true when it was a preflight, now answered (204). */
    boolean apply(Exchange exchange) {
        if (origins.isEmpty()) {
            return false;
        }
        exchange.addHeader("Vary", "Origin"); // the answer depends on Origin, for every origin: caches must not mix them
        String origin = exchange.header("Origin");
        if (origin == null || !origins.contains(origin)) {
            return false;
        }
        exchange.header("Access-Control-Allow-Origin", origin);
        if ("OPTIONS".equals(exchange.method()) && exchange.header("Access-Control-Request-Method") != null) {
            exchange.header("Access-Control-Allow-Methods", "GET");
            exchange.header("Access-Control-Allow-Headers", ALLOWED_HEADERS);
            exchange.header("Access-Control-Max-Age", MAX_AGE_SECONDS);
            exchange.status(204);
            return true;
        }
        exchange.header("Access-Control-Expose-Headers", "Retry-After");
        return false;
    }

    /** {@code SSE_CORS_ALLOWED_ORIGINS}: exact origins as browsers send them, {@code scheme://host[:port]}. */
    public static List<String> origins(Env env) {
        List<String> origins = env.list("SSE_CORS_ALLOWED_ORIGINS", List.of());
        for (String origin : origins) {
            if (!isOrigin(origin)) {
                env.problem("SSE_CORS_ALLOWED_ORIGINS must list exact origins like https://app.example.com or http://localhost:3000"
                        + " (lower case, no path, no wildcard), got '" + origin + "'");
            }
        }
        return origins;
    }

    private static boolean isOrigin(String value) {
        try {
            URI uri = new URI(value);
            String rebuilt = uri.getScheme() + "://" + uri.getHost() + (uri.getPort() == -1 ? "" : ":" + uri.getPort());
            return ("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) && uri.getHost() != null
                    && rebuilt.equals(value) && value.equals(value.toLowerCase(java.util.Locale.ROOT));
        } catch (URISyntaxException e) {
            return false;
        }
    }
}
