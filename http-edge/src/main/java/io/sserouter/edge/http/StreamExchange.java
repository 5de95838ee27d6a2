package io.sserouter.edge.http;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * A stream request on Jetty's core API: the request, the response and the callback that ends it. Parameters are
 * decoded as Javalin decodes them, so a stream request means what it meant when Javalin served it. Nothing here is
 * kept once the stream is open; the response and callback move on to the stream's sink.
 */
final class StreamExchange implements Exchange {
    private final Request request;
    private final Response response;
    private final Callback callback;
    private final String id;

    /** @param id the decoded {@code {id}} segment of the path; null on routes without one */
    StreamExchange(Request request, Response response, Callback callback, String id) {
        this.request = request;
        this.response = response;
        this.callback = callback;
        this.id = id;
    }

    Request request() {
        return request;
    }

    Response response() {
        return response;
    }

    Callback callback() {
        return callback;
    }

    @Override
    public String method() {
        return request.getMethod();
    }

    @Override
    public String path() {
        return request.getHttpURI().getPath();
    }

    @Override
    public String header(String name) {
        return request.getHeaders().get(name);
    }

    @Override
    public List<String> headers(String name) {
        return request.getHeaders().getValuesList(name);
    }

    @Override
    public String queryString() {
        return request.getHttpURI().getQuery();
    }

    /** {@code a=1&b&a=2}: pieces split on {@code &}, then on the first {@code =}, names and values URL-decoded. */
    @Override
    public List<String> queryParams(String name) {
        String query = queryString();
        if (query == null || query.isEmpty()) {
            return List.of();
        }
        List<String> values = new ArrayList<>(1);
        for (String piece : query.split("&", -1)) {
            int eq = piece.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? piece : piece.substring(0, eq), StandardCharsets.UTF_8);
            if (key.equals(name)) {
                values.add(eq < 0 ? "" : URLDecoder.decode(piece.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return values;
    }

    @Override
    public String pathParam(String name) {
        if (!"id".equals(name) || id == null) {
            throw new IllegalArgumentException("no path parameter " + name + " on " + path());
        }
        return id;
    }

    @Override
    public void header(String name, String value) {
        response.getHeaders().put(name, value);
    }

    @Override
    public void addHeader(String name, String value) {
        response.getHeaders().add(name, value);
    }

    @Override
    public void status(int status) {
        response.setStatus(status);
    }
}
