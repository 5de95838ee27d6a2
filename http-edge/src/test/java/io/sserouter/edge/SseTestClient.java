package io.sserouter.edge;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A minimal EventSource over HTTP: collects frames (and comments) as they arrive. */
final class SseTestClient implements AutoCloseable {
    record Frame(String id, String event, String data, String retry, String comment) {
    }

    private final List<Frame> frames = new ArrayList<>();
    private final Thread thread;
    private volatile HttpResponse<java.io.InputStream> response;
    private volatile boolean ended;

    SseTestClient(URI uri, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).header("Accept", "text/event-stream");
        headers.forEach(request::header);
        thread = new Thread(() -> {
            try {
                response = HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
                try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                    String id = null, event = null, data = null, retry = null;
                    String line;
                    while ((line = in.readLine()) != null) {
                        if (line.isEmpty()) {
                            if (event != null || data != null || retry != null) {
                                add(new Frame(id, event, data, retry, null));
                            }
                            id = event = data = retry = null;
                        } else if (line.startsWith(":")) {
                            add(new Frame(null, null, null, null, line.substring(1).trim()));
                        } else if (line.startsWith("id: ")) {
                            id = line.substring(4);
                        } else if (line.startsWith("event: ")) {
                            event = line.substring(7);
                        } else if (line.startsWith("data: ")) {
                            data = data == null ? line.substring(6) : data + "\n" + line.substring(6);
                        } else if (line.startsWith("retry: ")) {
                            retry = line.substring(7);
                        }
                    }
                }
            } catch (Exception e) {
                // closed
            } finally {
                ended = true;
                synchronized (frames) {
                    frames.notifyAll();
                }
            }
        }, "sse-test-client");
        thread.setDaemon(true);
        thread.start();
    }

    private void add(Frame frame) {
        synchronized (frames) {
            frames.add(frame);
            frames.notifyAll();
        }
    }

    HttpResponse<java.io.InputStream> response(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (response == null && !ended && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return response;
    }

    List<Frame> events() {
        synchronized (frames) {
            return frames.stream().filter(f -> f.event() != null).toList();
        }
    }

    List<Frame> all() {
        synchronized (frames) {
            return List.copyOf(frames);
        }
    }

    List<Frame> await(int events, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (frames) {
            while (events().size() < events && !ended && System.nanoTime() < deadline) {
                try {
                    frames.wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                } catch (InterruptedException e) {
                    break;
                }
            }
        }
        return events();
    }

    boolean awaitEnd(Duration timeout) throws InterruptedException {
        thread.join(timeout.toMillis());
        return ended;
    }

    @Override
    public void close() {
        thread.interrupt();
        HttpResponse<java.io.InputStream> r = response;
        if (r != null) {
            try {
                r.body().close();
            } catch (Exception ignored) {
                // closing
            }
        }
    }
}
