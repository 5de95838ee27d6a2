package io.sserouter.edge.http;

import io.javalin.http.HttpResponseException;
import io.sserouter.config.RedisFailures;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The one error shape of the edge: {@code {"error": code, "message": text}}, thrown as an HttpResponseException, and
 * how any failure of a request is answered, whichever path (Javalin's or the streams') served it.
 */
final class ApiError {
    private static final Logger LOG = LoggerFactory.getLogger(ApiError.class);
    private static final Map<String, String> INTERNAL = Map.of("error", "internal_error", "message", "the request could not be served");

    private ApiError() {
    }

    static HttpResponseException of(int status, String code, String message) {
        return new HttpResponseException(status, message, Map.of("error", code));
    }

    /** Javalin's own responses (unknown route, wrong method) carry no code: one is derived from the status. */
    static Map<String, String> body(HttpResponseException e) {
        String code = e.getDetails().get("error");
        if (code != null) {
            return Map.of("error", code, "message", e.getMessage());
        }
        // Javalin's own messages repeat the request's path and method: fixed texts echo nothing a client sent
        return switch (e.getStatus()) {
            case 404 -> Map.of("error", "not_found", "message", "no such route");
            case 405 -> Map.of("error", "method_not_allowed", "message", "this route answers GET only");
            default -> Map.of("error", "http_" + e.getStatus(), "message", e.getMessage());
        };
    }

    /** Sets the status (and Retry-After) that answers {@code failure} and returns the JSON body to send with it. */
    static Map<String, String> answer(Exception failure, Exchange exchange) {
        if (failure instanceof HttpResponseException e) {
            exchange.status(e.getStatus());
            return body(e);
        }
        // Redis frozen or too slow: admission and snapshot reads time out, or wait in vain for a pooled connection,
        // while the subscriber still looks up. A 503 makes a load balancer try another instance and a client retry;
        // a 500 would make EventSource give up. So does a cluster mid-failover or slot move (CLUSTERDOWN, MOVED,
        // TRYAGAIN...); any other error answered by Redis itself stays a 500.
        if (failure instanceof JedisException e && RedisFailures.passing(e)) {
            LOG.warn("Redis did not answer on {} {}: {}", exchange.method(), exchange.path(), e.getMessage());
            exchange.header("Retry-After", "5");
            exchange.status(503);
            return Map.of("error", "unavailable", "message", "event storage is unreachable; retry shortly");
        }
        LOG.error("Unexpected error on {} {}", exchange.method(), exchange.path(), failure);
        exchange.status(500);
        return INTERNAL;
    }
}
