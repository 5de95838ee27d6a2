package io.sserouter.edge;

import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.json.JavalinJackson;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sserouter.contract.Json;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One running edge instance: Redis subscriber and reader, writer pool, heartbeats, HTTP server. */
public final class EdgeApp implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EdgeApp.class);

    private final RedisReader reader;
    private final redis.clients.jedis.RedisClient limitsClient;
    private final RedisFanout fanout;
    private final ScheduledExecutorService timers;
    private final ExecutorService writers;
    private final SseResponses responses;
    private final Javalin http;
    private final Shutdown shutdown;
    private final java.time.Duration grace;

    private EdgeApp(EdgeSettings settings) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        EdgeMetrics metrics = new EdgeMetrics(registry);
        grace = settings.shutdownGrace();
        reader = new RedisReader(settings.redis(), settings.writerThreads() + 8);
        fanout = new RedisFanout(settings.redis());
        java.util.concurrent.ScheduledThreadPoolExecutor timerPool = new java.util.concurrent.ScheduledThreadPoolExecutor(1, daemon("edge-timers"));
        // A stream's token-expiry timer is cancelled when the stream closes; without this a cancelled timer stays
        // queued, and keeps the closed stream reachable, until the token would have expired (hours).
        timerPool.setRemoveOnCancelPolicy(true);
        timers = timerPool;
        writers = Executors.newFixedThreadPool(settings.writerThreads(), daemon("edge-writer"));
        Authenticator authenticator = new Authenticator(new TokenVerifier(settings.jwt()));
        limitsClient = settings.redis().pooledClient("sse-router-edge-limits", 8);
        shutdown = new Shutdown(registry);
        responses = new SseResponses(settings, timers, metrics, new UserLimits(limitsClient, settings.redis().keys(), settings),
                authenticator, fanout, shutdown::draining);
        metrics.activeConnections(responses::size);
        fanout.listen(responses.kickChannel(), new RedisFanout.Listener() {
            @Override
            public void onMessage(Published message) {
                responses.evict(message.json());
            }

            @Override
            public void onResync() {
                // a missed kick only delays an eviction until that user's next connection
            }
        });
        PipelineHealth pipeline = new PipelineHealth(reader);
        timers.scheduleWithFixedDelay(pipeline::refresh, 0, 2, TimeUnit.SECONDS);
        metrics.pipelineHeartbeatAge(pipeline::heartbeatAgeSeconds);
        StreamDeps deps = new StreamDeps(settings, reader, fanout, timers, writers, metrics, pipeline);
        ExecutionEventsHandler executionEvents = new ExecutionEventsHandler(deps, responses);
        NotificationsHandler notifications = new NotificationsHandler(deps, responses);
        StatusHandler status = new StatusHandler(reader, authenticator, pipeline);
        ExecutionsHandler executions = new ExecutionsHandler(reader, authenticator, pipeline);
        http = Javalin.create(cfg -> {
            cfg.jsonMapper(new JavalinJackson(Json.MAPPER, false));
            cfg.http.compressionStrategy = CompressionStrategy.NONE; // SSE frames must reach the client as written
            cfg.http.asyncTimeout = 0;
            cfg.startup.showJavalinBanner = false;
            HttpServer.configure(cfg, settings);
            CorsRules.configure(cfg, settings.corsAllowedOrigins());
            HttpLimits.configure(cfg, settings.maxHeaderBytes());
            Routes.configure(cfg, executionEvents, notifications, status, executions, () -> fanout.up() && !shutdown.draining(), registry);
        });
        long beat = settings.heartbeat().toMillis();
        timers.scheduleAtFixedRate(() -> {
            try {
                responses.heartbeat();
            } catch (RuntimeException e) {
                LOG.warn("Heartbeat round failed: {}", e.toString());
            }
        }, beat, beat, TimeUnit.MILLISECONDS);
        http.start();
        LOG.info("sse-router edge listening on :{}", http.port());
    }

    public static EdgeApp start(EdgeSettings settings) {
        return new EdgeApp(settings);
    }

    public int port() {
        return http.port();
    }

    /** Timers waiting to fire (heartbeats, expiries, waits): for tests that check closed streams leave none behind. */
    int queuedTimers() {
        return ((java.util.concurrent.ScheduledThreadPoolExecutor) timers).getQueue().size();
    }

    public int openStreams() {
        return responses.size();
    }

    /**
     * Graceful stop (SIGTERM): not ready and refusing new streams at once, open streams told to reconnect elsewhere
     * over the grace period, the rest closed, then {@link #close()}. Returns within the grace period plus a few seconds.
     */
    public void shutdown() {
        shutdown.drain(grace, responses::streams, responses::size);
        close();
    }

    /** Immediate stop: open streams end now (their clients resume elsewhere by Last-Event-ID). */
    @Override
    public void close() {
        responses.streams().forEach(LiveStream::stop);
        // Each stop completes its response on a writer thread. Stopping the server first recycles responses that are
        // still being completed, and completing one then sends Javalin's error handling into an endless loop.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (responses.size() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        http.stop();
        timers.shutdownNow();
        writers.shutdownNow();
        fanout.close();
        reader.close();
        limitsClient.close();
        LOG.info("sse-router edge stopped");
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread thread = new Thread(r, name + "-" + n.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
