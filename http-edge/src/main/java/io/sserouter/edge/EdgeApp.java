package io.sserouter.edge;

import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.json.JavalinJackson;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sserouter.contract.Json;
import io.sserouter.contract.PubSub;
import io.sserouter.edge.auth.TokenVerifier;
import io.sserouter.edge.http.Authenticator;
import io.sserouter.edge.http.CorsRules;
import io.sserouter.edge.http.EventLogHandler;
import io.sserouter.edge.http.ExecutionSetStreamHandler;
import io.sserouter.edge.http.ExecutionStreamHandler;
import io.sserouter.edge.http.ExecutionsHandler;
import io.sserouter.edge.http.HttpLimits;
import io.sserouter.edge.http.HttpServer;
import io.sserouter.edge.http.NotificationStreamHandler;
import io.sserouter.edge.http.Routes;
import io.sserouter.edge.http.StatusHandler;
import io.sserouter.edge.http.StreamRoutes;
import io.sserouter.edge.http.UserStreamHandler;
import io.sserouter.edge.http.StreamAdmission;
import io.sserouter.edge.redis.EventStore;
import io.sserouter.edge.redis.PipelineHealth;
import io.sserouter.edge.redis.RedisEventStore;
import io.sserouter.edge.redis.Fanout;
import io.sserouter.edge.redis.RedisReader;
import io.sserouter.edge.redis.UserLimits;
import io.sserouter.edge.relay.Relay;
import io.sserouter.edge.relay.StreamDeps;
import io.sserouter.edge.relay.StreamRegistry;
import io.sserouter.edge.sse.Published;
import io.sserouter.edge.sse.SseResponses;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.UnifiedJedis;

/** One running edge instance: Redis subscriber and reader, writer pool, heartbeats, HTTP server. */
public final class EdgeApp implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EdgeApp.class);

    private final RedisReader reader;
    private final UnifiedJedis limitsClient;
    private final Fanout fanout;
    private final ScheduledThreadPoolExecutor timers;
    private final ExecutorService writers;
    private final StreamRegistry registry;
    private final Javalin http;
    private final Shutdown shutdown;
    private final Duration grace;
    private static final Duration SUBSCRIBER_WAIT = Duration.ofSeconds(5);

    private EdgeApp(EdgeSettings settings) {
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(meters);
        EdgeMetrics metrics = new EdgeMetrics(meters);
        grace = settings.shutdownGrace();
        reader = new RedisReader(settings.redis(), settings.writerThreads() + 8);
        String clusterProblem = settings.redis().clusterProblem();
        if (clusterProblem != null) {
            LOG.error("{}", clusterProblem);
        }
        PubSub pubSub = settings.redis().pubSub();
        LOG.info("Redis pub/sub: {}", pubSub == PubSub.SHARDED ? "sharded (SSUBSCRIBE, a connection per master)" : "global (SUBSCRIBE)");
        fanout = Fanout.of(settings.redis(), pubSub);
        timers = new ScheduledThreadPoolExecutor(1, daemon("edge-timers"));
        // A stream's token-expiry timer is cancelled when the stream closes; without this a cancelled timer stays
        // queued, and keeps the closed stream reachable, until the token would have expired (hours).
        timers.setRemoveOnCancelPolicy(true);
        writers = Executors.newFixedThreadPool(settings.writerThreads(), daemon("edge-writer"));
        limitsClient = settings.redis().pooledClient("sse-router-edge-limits", 8);
        UserLimits limits = new UserLimits(limitsClient, settings.redis().keys(), settings, pubSub);
        shutdown = new Shutdown(meters);
        registry = new StreamRegistry(limits, timers, metrics);
        metrics.activeConnections(registry::size);
        fanout.listen(settings.redis().keys().streamKick(), new EventStore.Listener() {
            @Override
            public void onMessage(Published message, boolean mayRelayHere) {
                registry.evict(message.json());
            }

            @Override
            public void onResync() {
                // a missed kick only delays an eviction until that user's next connection
            }
        });
        metrics.redisUp(fanout::up);
        PipelineHealth pipeline = new PipelineHealth(reader);
        timers.scheduleWithFixedDelay(pipeline::refresh, 0, 2, TimeUnit.SECONDS);
        metrics.pipelineHeartbeatAge(pipeline::heartbeatAgeSeconds);

        Authenticator authenticator = new Authenticator(new TokenVerifier(settings.jwt()));
        StreamDeps deps = new StreamDeps(settings, new RedisEventStore(fanout, reader), timers, writers, metrics, pipeline);
        StreamAdmission admission = new StreamAdmission(authenticator, fanout::up, shutdown::draining, limits, registry,
                new SseResponses(settings, timers, metrics), metrics);
        CorsRules cors = CorsRules.of(settings.corsAllowedOrigins());
        StreamRoutes streams = new StreamRoutes(cors, new UserStreamHandler(admission, deps), new ExecutionStreamHandler(admission, deps),
                new ExecutionSetStreamHandler(admission, deps), new NotificationStreamHandler(admission, deps));
        StatusHandler status = new StatusHandler(reader, authenticator, pipeline);
        EventLogHandler eventLog = new EventLogHandler(reader, authenticator);
        ExecutionsHandler executions = new ExecutionsHandler(reader, authenticator, pipeline);
        http = Javalin.create(cfg -> {
            cfg.jsonMapper(new JavalinJackson(Json.MAPPER, false));
            cfg.http.compressionStrategy = CompressionStrategy.NONE; // SSE frames must reach the client as written
            cfg.http.asyncTimeout = 0;
            cfg.startup.showJavalinBanner = false;
            HttpServer.configure(cfg, settings, streams);
            cors.configure(cfg);
            HttpLimits.configure(cfg, settings.maxHeaderBytes());
            Routes.configure(cfg, status, eventLog, executions, () -> fanout.up() && !shutdown.draining(), meters);
        });
        // Each stream gets its ping once per heartbeat, one slice of the streams about every second
        long beat = settings.heartbeat().toMillis();
        int slices = (int) Math.max(1, Math.min(beat / 1_000, 60));
        AtomicLong ticks = new AtomicLong();
        timers.scheduleAtFixedRate(() -> {
            try {
                registry.heartbeat((int) (ticks.getAndIncrement() % slices), slices);
            } catch (RuntimeException e) {
                LOG.warn("Heartbeat round failed: {}", e.toString());
            }
        }, beat / slices, beat / slices, TimeUnit.MILLISECONDS);
        awaitSubscriber(SUBSCRIBER_WAIT);
        http.start();
        LOG.info("sse-router edge listening on :{}", http.port());
    }

    /**
     * Waits a little for the subscriber to be up before taking requests: until then every stream is refused with 503.
     * A Redis that is down at start does not keep the edge from starting; it reports not ready until Redis is back.
     */
    private void awaitSubscriber(Duration patience) {
        long deadline = System.nanoTime() + patience.toNanos();
        while (!fanout.up() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (!fanout.up()) {
            LOG.warn("Redis pub/sub is not up after {} s; streams are refused with 503 until it is", patience.toSeconds());
        }
    }

    public static EdgeApp start(EdgeSettings settings) {
        return new EdgeApp(settings);
    }

    public int port() {
        return http.port();
    }

    /** Timers waiting to fire (heartbeats, expiries, waits): for tests that check closed streams leave none behind. */
    int queuedTimers() {
        return timers.getQueue().size();
    }

    public int openStreams() {
        return registry.size();
    }

    /**
     * Graceful stop (SIGTERM): not ready and refusing new streams at once, open streams told to reconnect elsewhere
     * over the grace period, the rest closed, then {@link #close()}. Returns within the grace period plus a few seconds.
     */
    public void shutdown() {
        shutdown.drain(grace, registry::streams, registry::size);
        close();
    }

    /** Immediate stop: open streams end now (their clients resume elsewhere by Last-Event-ID). */
    @Override
    public void close() {
        registry.streams().forEach(Relay::stop);
        // Each stop ends its response on a writer thread, after what is queued: stopping the server first would cut
        // the streams instead of ending them.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (registry.size() > 0 && System.nanoTime() < deadline) {
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

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread thread = new Thread(r, name + "-" + n.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
