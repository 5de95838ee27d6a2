package io.sserouter.edge.http;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * The demo page: its static files, read from the classpath once. Loading them needs no token: the page carries
 * its token to the API itself ({@code ?token=} on its EventSource URLs). The token sits in the page's URL, hence
 * {@code Referrer-Policy: no-referrer}; the page runs no inline script, hence a strict Content-Security-Policy.
 */
final class DemoPage {
    private record Asset(byte[] bytes, String contentType, String etag) {
    }

    private static final Map<String, Asset> ASSETS = Map.of(
            "index.html", load("index.html", "text/html; charset=utf-8"),
            "demo.css", load("demo.css", "text/css; charset=utf-8"),
            "demo.js", load("demo.js", "text/javascript; charset=utf-8"),
            "execution-stream.js", load("execution-stream.js", "text/javascript; charset=utf-8"),
            "user-stream.js", load("user-stream.js", "text/javascript; charset=utf-8"),
            "render.js", load("render.js", "text/javascript; charset=utf-8"));

    private DemoPage() {
    }

    static void index(Context ctx) {
        serve(ctx, ASSETS.get("index.html"));
    }

    static void asset(Context ctx) {
        Asset asset = ASSETS.get(ctx.pathParam("file"));
        if (asset == null) {
            throw ApiError.of(404, "not_found", "no such file");
        }
        serve(ctx, asset);
    }

    /** {@code no-cache} with an ETag: a browser revalidates (a 304 when unchanged), so a new build is seen at once. */
    private static void serve(Context ctx, Asset asset) {
        ctx.header("Cache-Control", "no-cache");
        ctx.header("ETag", asset.etag());
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
        if (asset.etag().equals(ctx.header("If-None-Match"))) {
            ctx.status(304);
            return;
        }
        ctx.contentType(asset.contentType()).result(asset.bytes());
    }

    private static Asset load(String name, String contentType) {
        try (InputStream in = DemoPage.class.getResourceAsStream("/demo/" + name)) {
            if (in == null) {
                throw new IllegalStateException("demo page file /demo/" + name + " is missing from the classpath");
            }
            byte[] bytes = in.readAllBytes();
            String etag = "\"" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 12) + "\"";
            return new Asset(bytes, contentType, etag);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
