package io.sserouter.edge;

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
        if (code == null) {
            code = switch (e.getStatus()) {
                case 404 -> "not_found";
                case 405 -> "method_not_allowed";
                default -> "http_" + e.getStatus();
            };
        }
        return Map.of("error", code, "message", e.getMessage());
    }
}
