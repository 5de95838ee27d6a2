package io.sserouter.edge.http;

import java.util.List;

/**
 * What the request rules read from a request and set on its response. Streams are served on Jetty's core API
 * ({@link StreamExchange}) and every other route through Javalin ({@link JavalinExchange}); both go through the same
 * rules (token, limits, CORS, parameters), so a request is judged the same on either path.
 */
interface Exchange {
    String method();

    /** The path as requested, for logs. */
    String path();

    /** The first value of a request header; null when absent. */
    String header(String name);

    /** Every value of a request header, to refuse the ones that may be given once. */
    List<String> headers(String name);

    /** The raw (undecoded) query string; null when there is none. */
    String queryString();

    /** The first value of a decoded query parameter; null when absent. */
    default String queryParam(String name) {
        List<String> values = queryParams(name);
        return values.isEmpty() ? null : values.get(0);
    }

    List<String> queryParams(String name);

    /** A decoded segment of the route's path, such as {@code id}. */
    String pathParam(String name);

    /** Sets a response header, replacing any value it had. */
    void header(String name, String value);

    /** Adds a response header value, keeping the ones it had (Vary). */
    void addHeader(String name, String value);

    void status(int status);
}
