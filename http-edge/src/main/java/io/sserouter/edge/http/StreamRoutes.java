package io.sserouter.edge.http;

import io.sserouter.contract.Json;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The four stream routes, served on Jetty's core API in front of Javalin: an open stream then holds Jetty's request
 * and response and nothing of the servlet layer or of Javalin (about 2.7 KB per stream). A GET on a stream path is
 * judged by the same rules as every other route (CORS, limits, token, parameters) and refused with the same JSON
 * errors; every other request goes on to Javalin unchanged.
 */
public final class StreamRoutes extends Handler.Wrapper {
    static final String USER = "/api/v1/events";
    static final String EXECUTION_SET = "/api/v1/events/executions";
    static final String EXECUTION = "/api/v1/events/executions/{id}";
    static final String NOTIFICATIONS = "/api/v1/events/notifications";
    static final List<String> PATHS = List.of(USER, EXECUTION, EXECUTION_SET, NOTIFICATIONS);
    private static final String EXECUTION_PREFIX = EXECUTION_SET + "/";
    private static final Logger LOG = LoggerFactory.getLogger(StreamRoutes.class);

    /** One stream route; it ends the exchange itself, or throws to have it refused. */
    @FunctionalInterface
    interface Route {
        void serve(StreamExchange exchange);
    }

    private final CorsRules cors;
    private final Route user;
    private final Route execution;
    private final Route executionSet;
    private final Route notifications;

    public StreamRoutes(CorsRules cors, UserStreamHandler user, ExecutionStreamHandler execution,
                        ExecutionSetStreamHandler executionSet, NotificationStreamHandler notifications) {
        this.cors = cors;
        this.user = user::serve;
        this.execution = execution::serve;
        this.executionSet = executionSet::serve;
        this.notifications = notifications::serve;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (!HttpMethod.GET.is(request.getMethod())) {
            return super.handle(request, response, callback);
        }
        String path = request.getHttpURI().getPath();
        // Javalin ignores one trailing slash; so do the streams, or /api/v1/events/ would now be a 404
        String route = path != null && path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        Route target;
        String id = null;
        if (USER.equals(route)) {
            target = user;
        } else if (EXECUTION_SET.equals(route)) {
            target = executionSet;
        } else if (NOTIFICATIONS.equals(route)) {
            target = notifications;
        } else if (route != null && route.startsWith(EXECUTION_PREFIX) && route.indexOf('/', EXECUTION_PREFIX.length()) < 0) {
            target = execution;
            id = segment(route.substring(EXECUTION_PREFIX.length()));
        } else {
            return super.handle(request, response, callback);
        }
        serve(target, new StreamExchange(request, response, callback, id));
        return true;
    }

    private void serve(Route route, StreamExchange exchange) {
        try {
            cors.apply(exchange);
            HttpLimits.check(exchange);
            route.serve(exchange);
        } catch (Exception e) {
            refuse(exchange, e);
        }
    }

    /** The JSON error Javalin's exception mapping would send, with the headers already set (CORS, Retry-After...). */
    private static void refuse(StreamExchange exchange, Exception failure) {
        Response response = exchange.response();
        if (response.isCommitted()) {
            // the stream's sink owns the response once it is open, and ends it
            LOG.error("Unexpected error on an open stream {} {}", exchange.method(), exchange.path(), failure);
            return;
        }
        Map<String, String> body = ApiError.answer(failure, exchange);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(Json.bytes(body)), exchange.callback());
    }

    /** The {@code {id}} segment, decoded as Javalin decodes path parameters (a {@code +} stays a plus). */
    private static String segment(String raw) {
        try {
            return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return raw; // not a valid id either way: RequestRules refuses it
        }
    }
}
