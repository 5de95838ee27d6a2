package io.sserouter.edge.sse;

import io.javalin.http.Context;
import io.sserouter.edge.EdgeMetrics;
import io.sserouter.edge.EdgeSettings;
import java.io.IOException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;

/** Opens event-stream responses: the headers every SSE route sends, gzip when the client takes it, the async response. */
public final class SseResponses {
    private static final int STREAM_BUFFER_BYTES = 2_048;

    private final EdgeSettings settings;
    private final ScheduledExecutorService timers;
    private final EdgeMetrics metrics;
    /** Each compressed stream holds a deflater (about 256 KB native); beyond this many, streams go uncompressed. */
    private final Semaphore gzipStreams;

    public SseResponses(EdgeSettings settings, ScheduledExecutorService timers, EdgeMetrics metrics) {
        this.settings = settings;
        this.timers = timers;
        this.metrics = metrics;
        this.gzipStreams = new Semaphore(settings.gzipMaxStreams());
    }

    /** Starts the event-stream response (200, headers, {@code retry:}); it stays open until the returned sink closes. */
    public HttpSseSink open(Context ctx) throws IOException {
        ctx.status(200);
        // Frames bypass the response's aggregation buffer (HttpSseSink); a write that used it would hold it for as long
        // as the stream is open, so it stays small.
        ctx.res().setBufferSize(STREAM_BUFFER_BYTES);
        ctx.contentType("text/event-stream; charset=utf-8");
        ctx.header("Cache-Control", "no-cache");
        ctx.header("X-Accel-Buffering", "no");
        ctx.res().addHeader("Vary", "Accept-Encoding"); // added to, not replacing, the Vary: Origin of CORS
        GzipFrames gzip = null;
        if (acceptsGzip(ctx.header("Accept-Encoding")) && gzipStreams.tryAcquire()) {
            ctx.header("Content-Encoding", "gzip");
            gzip = new GzipFrames();
        }
        HttpSseSink sink = new HttpSseSink(ctx.req(), ctx.res().getOutputStream(), settings.clientBufferBytes(), metrics::slowClient, timers, gzip);
        if (gzip != null) {
            sink.done().whenComplete((ok, error) -> gzipStreams.release());
        }
        ctx.future(sink::done);
        sink.retry(settings.retry().toMillis());
        return sink;
    }

    /** True when the client lists gzip (or *) in Accept-Encoding without {@code q=0}. */
    public static boolean acceptsGzip(String acceptEncoding) {
        if (acceptEncoding == null) {
            return false;
        }
        for (String part : acceptEncoding.split(",")) {
            String[] fields = part.split(";");
            String coding = fields[0].trim();
            if (coding.equalsIgnoreCase("gzip") || coding.equals("*")) {
                boolean refused = false;
                for (int i = 1; i < fields.length; i++) {
                    String param = fields[i].trim().replace(" ", "");
                    refused |= param.matches("[qQ]=0(\\.0*)?");
                }
                if (!refused) {
                    return true;
                }
            }
        }
        return false;
    }
}
