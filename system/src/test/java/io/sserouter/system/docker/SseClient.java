package io.sserouter.system.docker;

import com.fasterxml.jackson.databind.JsonNode;
import io.sserouter.contract.Json;
import java.io.BufferedReader;
import java.io.FilterInputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * An EventSource as a browser runs one: collects events as they arrive and, when {@code reconnect}, opens the
 * stream again after it ends, sending the last event id it saw as {@code Last-Event-ID}. Like the edge asks of its
 * clients, a {@code shutdown} event (the edge is draining) makes it leave and reconnect after the delay it names.
 */
public final class SseClient implements AutoCloseable {
    public record Event(String id, String event, String data) {
    }

    private final List<Event> events = new ArrayList<>();
    private final List<Integer> statuses = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private final Thread thread;
    private volatile HttpHeaders headers;
    private volatile InputStream body;
    private volatile boolean connected;
    private volatile boolean closed;
    private volatile String lastEventId;

    public SseClient(URI uri, Map<String, String> requestHeaders, boolean reconnect) {
        lastEventId = requestHeaders.get("Last-Event-ID");
        thread = new Thread(() -> {
            do {
                try {
                    HttpRequest.Builder request = HttpRequest.newBuilder(uri).header("Accept", "text/event-stream");
                    requestHeaders.forEach((name, value) -> {
                        if (!name.equals("Last-Event-ID")) {
                            request.header(name, value);
                        }
                    });
                    if (lastEventId != null) {
                        request.header("Last-Event-ID", lastEventId);
                    }
                    HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
                    headers = response.headers();
                    body = response.body();
                    synchronized (events) {
                        statuses.add(response.statusCode());
                        connected = response.statusCode() == 200;
                        events.notifyAll();
                    }
                    boolean gzip = response.headers().firstValue("Content-Encoding").orElse("").equals("gzip");
                    read(gzip ? unblocked(new GZIPInputStream(response.body(), 512)) : response.body());
                } catch (Exception e) {
                    // the stream ended; a browser reconnects
                } finally {
                    synchronized (events) {
                        connected = false;
                        events.notifyAll();
                    }
                }
                pause(200);
            } while (reconnect && !closed);
            closed = true;
            synchronized (events) {
                events.notifyAll();
            }
        }, "sse-client");
        thread.setDaemon(true);
        thread.start();
    }

    private void read(InputStream in) throws Exception {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String id = null;
            String event = null;
            String data = null;
            String line;
            while ((line = reader.readLine()) != null && !closed) {
                if (line.isEmpty()) {
                    if (data != null) {
                        synchronized (events) {
                            events.add(new Event(id, event, data));
                            events.notifyAll();
                        }
                        if (id != null) {
                            lastEventId = id;
                        }
                        if ("shutdown".equals(event)) {
                            pause(Json.read(data, JsonNode.class).path("reconnect_after_ms").asLong());
                            return;
                        }
                    }
                    id = event = data = null;
                } else if (line.startsWith("id:")) {
                    id = line.substring(3).strip();
                } else if (line.startsWith("event:")) {
                    event = line.substring(6).strip();
                } else if (line.startsWith("data:")) {
                    data = data == null ? line.substring(5).strip() : data + "\n" + line.substring(5).strip();
                }
            }
        }
    }

    /**
     * InflaterInputStream always reports one byte available, which makes a Reader wait for more input after a
     * complete line; a browser's decoder has no such problem.
     */
    private static InputStream unblocked(InputStream in) {
        return new FilterInputStream(in) {
            @Override
            public int available() {
                return 0;
            }
        };
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public List<Event> events() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    /** The HTTP status of every connection made so far. */
    public List<Integer> statuses() {
        synchronized (events) {
            return List.copyOf(statuses);
        }
    }

    public boolean connected() {
        return connected;
    }

    public HttpHeaders headers() {
        return headers;
    }

    /** Waits until {@code count} events arrived (or the wait is over); returns what arrived. */
    public List<Event> await(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (events) {
            while (events.size() < count && !closed && System.nanoTime() < deadline) {
                events.wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            }
            return List.copyOf(events);
        }
    }

    /** Waits until the client has made {@code connections} connections and the last one is open. */
    public boolean awaitConnection(int connections, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (events) {
            while (!(statuses.size() >= connections && connected) && !closed && System.nanoTime() < deadline) {
                events.wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            }
            return statuses.size() >= connections && connected;
        }
    }

    @Override
    public void close() {
        closed = true;
        InputStream in = body;
        if (in != null) {
            try {
                in.close();
            } catch (Exception ignored) {
                // closing anyway
            }
        }
        thread.interrupt();
    }
}
