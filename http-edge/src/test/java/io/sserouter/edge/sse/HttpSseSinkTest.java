package io.sserouter.edge.sse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.RepeatedTest;

/**
 * One stream written by several threads at once, as the relay's events and the heartbeat timer do, to a client that
 * reads at once and then stops for a while: every frame arrives whole, each writer's in its order, and the body ends.
 */
class HttpSseSinkTest {
    private static final int WRITERS = 4;
    private static final int FRAMES = 20_000;

    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    private final ExecutorService writerThreads = Executors.newFixedThreadPool(WRITERS);
    private Server server;

    @AfterEach
    void stop() throws Exception {
        timers.shutdownNow();
        writerThreads.shutdownNow();
        if (server != null) {
            server.stop();
        }
    }

    @RepeatedTest(5) // the race it guards against is narrow
    void framesWrittenByManyThreadsArriveWholeAndInEachWritersOrder() throws Exception {
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                response.getHeaders().put("Content-Type", "text/event-stream");
                HttpSseSink sink = new HttpSseSink(request, response, callback, 1L << 30, () -> { }, timers, null);
                List<CompletableFuture<Void>> writers = new ArrayList<>();
                for (int w = 0; w < WRITERS; w++) {
                    int writer = w;
                    writers.add(CompletableFuture.runAsync(() -> {
                        for (int i = 0; i < FRAMES; i++) {
                            sink.event(writer + "-" + i, "e", "x".repeat(i % 200));
                        }
                    }, writerThreads));
                }
                CompletableFuture.allOf(writers.toArray(CompletableFuture[]::new)).thenRun(sink::close);
                return true;
            }
        });
        server.start();

        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<InputStream> response = client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        int[] next = new int[WRITERS];
        int frames = 0;
        try (BufferedReader body = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String id = null;
            for (String line = body.readLine(); line != null; line = body.readLine()) {
                if (line.startsWith("id: ")) {
                    id = line.substring(4);
                } else if (line.startsWith("data: ")) {
                    String[] parts = id.split("-");
                    int writer = Integer.parseInt(parts[0]);
                    int index = Integer.parseInt(parts[1]);
                    assertEquals(next[writer], index, "writer " + writer + "'s frames out of order");
                    assertEquals("x".repeat(index % 200), line.substring(6), "frame " + id + " arrived damaged");
                    next[writer]++;
                    if (++frames == WRITERS * FRAMES / 4) {
                        Thread.sleep(300); // the socket's buffers fill: frames queue behind a write in flight
                    }
                } else {
                    assertTrue(line.isEmpty() || line.equals("event: e"), "unexpected line: " + line);
                }
            }
        }
        assertEquals(WRITERS * FRAMES, frames, "every frame, then the end of the body");
        assertEquals("chunked", response.headers().firstValue("Transfer-Encoding").orElse(null));
    }
}
