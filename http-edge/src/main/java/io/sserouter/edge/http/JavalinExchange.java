package io.sserouter.edge.http;

import io.javalin.http.Context;
import java.util.Collections;
import java.util.List;

/** A request served through Javalin, for the request rules. */
final class JavalinExchange implements Exchange {
    private final Context ctx;

    JavalinExchange(Context ctx) {
        this.ctx = ctx;
    }

    @Override
    public String method() {
        return ctx.method().name();
    }

    @Override
    public String path() {
        return ctx.path();
    }

    @Override
    public String header(String name) {
        return ctx.header(name);
    }

    @Override
    public List<String> headers(String name) {
        return Collections.list(ctx.req().getHeaders(name));
    }

    @Override
    public String queryString() {
        return ctx.queryString();
    }

    @Override
    public String queryParam(String name) {
        return ctx.queryParam(name);
    }

    @Override
    public List<String> queryParams(String name) {
        return ctx.queryParams(name);
    }

    @Override
    public String pathParam(String name) {
        return ctx.pathParam(name);
    }

    @Override
    public void header(String name, String value) {
        ctx.header(name, value);
    }

    @Override
    public void addHeader(String name, String value) {
        ctx.res().addHeader(name, value);
    }

    @Override
    public void status(int status) {
        ctx.status(status);
    }
}
