package io.sserouter.edge.http;

import io.javalin.http.HttpResponseException;
import java.util.Map;

/** The one error shape of the edge: {@code {"error": code, "message": text}}, thrown as an HttpResponseException. */
final class ApiError {
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
}
