package io.sserouter.edge.http;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
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

    /** Nothing is configured (no CORS header at all) unless some origin is allowed. */
    public static void configure(JavalinConfig cfg, List<String> allowedOrigins) {
        if (!allowedOrigins.isEmpty()) {
            cfg.routes.before("/api/*", new CorsRules(allowedOrigins)::apply);
        }
    }

    private void apply(Context ctx) {
        ctx.res().addHeader("Vary", "Origin"); // the answer depends on Origin, for every origin: caches must not mix them
        String origin = ctx.header("Origin");
        if (origin == null || !origins.contains(origin)) {
            return;
        }
        ctx.header("Access-Control-Allow-Origin", origin);
        if ("OPTIONS".equals(ctx.method().name()) && ctx.header("Access-Control-Request-Method") != null) {
            ctx.header("Access-Control-Allow-Methods", "GET");
            ctx.header("Access-Control-Allow-Headers", ALLOWED_HEADERS);
            ctx.header("Access-Control-Max-Age", MAX_AGE_SECONDS);
            ctx.status(204);
            ctx.skipRemainingHandlers();
        } else {
            ctx.header("Access-Control-Expose-Headers", "Retry-After");
        }
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
