package io.sserouter.edge.http;

import io.javalin.config.JavalinConfig;
import io.sserouter.edge.EdgeSettings;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/** The Jetty settings that matter for many long-lived streams. */
public final class HttpServer {
    /** Connections the kernel may queue before Jetty accepts them (capped by net.core.somaxconn). */
    private static final int ACCEPT_QUEUE = 4_096;

    private HttpServer() {
    }

    /** @param streams the stream routes, served in front of Javalin's servlet */
    public static void configure(JavalinConfig cfg, EdgeSettings settings, StreamRoutes streams) {
        // Request threads only run the short admission of a stream (token, a few Redis round trips); the stream then
        // lives on without a thread, so a small pool is enough. A thread that has admitted streams keeps about 100 KB
        // of its stack resident (until it ends, idle for a minute): 64 of them, grown during a burst of connections,
        // cost 5,000 streams 1.5 KB each more than the default 16, which admit a reconnect storm about as fast.
        QueuedThreadPool threads = new QueuedThreadPool(settings.httpThreads(), Math.min(8, settings.httpThreads()));
        threads.setName("edge-http");
        cfg.jetty.threadPool = threads;
        // Javalin's default server wraps every response in a StatisticsHandler, which copies a read-only view of
        // every buffer written and allocates a callback per write, for every event of every stream. The edge counts
        // what it needs itself and drains its streams before stopping, so it goes without. The stream routes take its
        // place, and Javalin attaches its servlet behind them.
        cfg.jetty.modifyServer(server -> server.setHandler(streams));
        cfg.jetty.addConnector((server, http) -> {
            ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
            connector.setPort(settings.httpPort());
            // With the default backlog (50) a reconnect storm overflows it and every dropped SYN costs the client a
            // one-second retransmission.
            connector.setAcceptQueueSize(ACCEPT_QUEUE);
            // Streams write a heartbeat every SSE_HEARTBEAT_SECONDS; an idle timeout at or below that would cut them.
            connector.setIdleTimeout(settings.heartbeat().toMillis() * 2 + 10_000);
            return connector;
        });
    }
}
