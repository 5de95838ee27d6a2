package io.sserouter.edge.sse;

import io.sserouter.edge.EdgeMetrics;
import io.sserouter.edge.EdgeSettings;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** Opens event-stream responses: the headers every SSE route sends, gzip when the client takes it, the open response. */
public final class SseResponses {
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

    /**
     * Starts the event-stream response (200, headers, {@code retry:} written at once); it stays open until the
     * returned sink ends it by completing {@code callback}.
     */
    public HttpSseSink open(Request request, Response response, Callback callback) {
        response.setStatus(200);
        HttpFields.Mutable headers = response.getHeaders();
        headers.put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        headers.put(HttpHeader.CACHE_CONTROL, "no-cache");
        headers.put("X-Accel-Buffering", "no");
        headers.add(HttpHeader.VARY, "Accept-Encoding"); // added to, not replacing, the Vary: Origin of CORS
        GzipFrames gzip = null;
        if (acceptsGzip(request.getHeaders().get(HttpHeader.ACCEPT_ENCODING)) && gzipStreams.tryAcquire()) {
            headers.put(HttpHeader.CONTENT_ENCODING, "gzip");
            gzip = new GzipFrames();
        }
        HttpSseSink sink = new HttpSseSink(request, response, callback, settings.clientBufferBytes(), metrics::slowClient, timers, gzip);
        if (gzip != null) {
            sink.done().whenComplete((ok, error) -> gzipStreams.release());
        }
        // The connection failed with no write in flight to notice it (a write in flight fails by itself)
        request.addFailureListener(sink::abort);
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
