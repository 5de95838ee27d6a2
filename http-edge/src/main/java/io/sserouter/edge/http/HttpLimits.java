package io.sserouter.edge.http;

import io.javalin.config.JavalinConfig;
import io.sserouter.contract.Json;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Bounds on what a request may carry, and the same JSON error shape for requests Jetty refuses before any route
 * sees them (headers too large, a request line that is not HTTP, an ambiguous path), instead of Jetty's HTML page.
 */
public final class HttpLimits {
    static final int MAX_QUERY_CHARS = 4096;

    private HttpLimits() {
    }

    public static void configure(JavalinConfig cfg, int maxHeaderBytes) {
        cfg.http.prefer405over404 = true; // a known path with another method says so, rather than "not found"
        cfg.jetty.modifyHttpConfiguration(http -> {
            http.setRequestHeaderSize(maxHeaderBytes);
            http.setSendServerVersion(false);
        });
        JsonErrors errors = new JsonErrors();
        cfg.jetty.modifyServer(server -> server.setErrorHandler(errors));
        cfg.jetty.modifyServletContextHandler(context -> context.setErrorHandler(errors));
        cfg.routes.before(ctx -> check(new JavalinExchange(ctx)));
    }

    /**
     * Refuses before a handler reads what would otherwise be decoded leniently, or fail with an exception. Every
     * route goes through it: Javalin's before every handler, {@link StreamRoutes} before every stream.
     */
    static void check(Exchange exchange) {
        if ("HEAD".equals(exchange.method())) {
            // Javalin would answer HEAD on any GET route with an empty 200, before authentication
            throw ApiError.of(405, "method_not_allowed", "this route answers GET only");
        }
        String query = exchange.queryString();
        if (query != null) {
            if (query.length() > MAX_QUERY_CHARS) {
                throw ApiError.of(414, "query_too_long", "the query string is longer than " + MAX_QUERY_CHARS + " characters");
            }
            if (!wellEncoded(query)) {
                throw ApiError.of(400, "invalid_query", "the query string has a bad percent-encoding or a control character");
            }
            for (String name : new String[] {"token", "lastEventId"}) {
                if (exchange.queryParams(name).size() > 1) {
                    throw ApiError.of(400, "repeated_parameter", "the query parameter " + name + " may be given once");
                }
            }
        }
        for (String name : new String[] {"Authorization", "Last-Event-ID"}) {
            if (exchange.headers(name).size() > 1) {
                throw ApiError.of(400, "repeated_header", "the header " + name + " may be given once");
            }
        }
    }

    /** Every {@code %} starts two hex digits, and nothing decodes to a control character such as NUL, CR or LF. */
    static boolean wellEncoded(String query) {
        for (int i = 0; i < query.length(); i++) {
            char c = query.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return false;
            }
            if (c == '%') {
                if (i + 2 >= query.length()) {
                    return false;
                }
                int hi = Character.digit(query.charAt(i + 1), 16);
                int lo = Character.digit(query.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return false;
                }
                int decoded = hi * 16 + lo;
                if (decoded < 0x20 || decoded == 0x7f) {
                    return false;
                }
                i += 2;
            }
        }
        return true;
    }

    /** Jetty's own refusals, as {@code {"error": code, "message": text}}; the status is kept (a 4xx for bad input). */
    static final class JsonErrors extends ErrorHandler {
        @Override
        public boolean errorPageForMethod(String method) {
            return true;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            Object attribute = request.getAttribute(ERROR_STATUS);
            int status = attribute instanceof Integer code ? code : response.getStatus();
            if (status == 501 || status == 505) {
                status = 400; // an unknown transfer coding or HTTP version is the client's mistake, not the server's
            }
            response.setStatus(status);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
            if (HttpMethod.HEAD.is(request.getMethod())) {
                callback.succeeded();
                return true;
            }
            response.write(true, ByteBuffer.wrap(body(status)), callback);
            return true;
        }

        @Override
        public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
            fields.put(HttpHeader.CONTENT_TYPE, "application/json");
            return ByteBuffer.wrap(body(status));
        }

        static byte[] body(int status) {
            Map<String, String> body = new LinkedHashMap<>();
            switch (status) {
                case 400 -> body.put("error", "bad_request");
                case 404 -> body.put("error", "not_found");
                case 405 -> body.put("error", "method_not_allowed");
                case 413 -> body.put("error", "request_too_large");
                case 414 -> body.put("error", "uri_too_long");
                case 431 -> body.put("error", "headers_too_large");
                case 503 -> body.put("error", "unavailable");
                default -> body.put("error", status < 500 ? "http_" + status : "internal_error");
            }
            body.put("message", switch (status) {
                case 414 -> "the request line is too long";
                case 431 -> "the request headers are too large";
                case 413 -> "the request is too large";
                case 404 -> "no such resource";
                case 503 -> "the server is not accepting requests now; retry shortly";
                default -> status < 500 ? "the request is not valid HTTP or has an ambiguous path" : "the request could not be served";
            });
            return Json.bytes(body);
        }
    }
}
