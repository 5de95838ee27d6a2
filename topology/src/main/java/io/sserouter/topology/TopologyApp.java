package io.sserouter.topology;

import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.rocksdb.RocksDB;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One running topology instance: topics ensured, Kafka Streams started, health and metrics served. */
public final class TopologyApp implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TopologyApp.class);
    /** The longest a stop waits for Kafka Streams to close; an orchestrator's grace period must be longer. */
    public static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private final TopologySettings settings;
    private final Routing routing;
    private final PrometheusMeterRegistry registry;
    private final TopologyMetrics metrics;
    private final EventSink sink;
    private final KafkaStreams streams;
    private final KafkaStreamsMetrics streamsMetrics;
    private final HealthServer health;
    private final LocalStateGuard localState;
    private final UnifiedBacklog backlog;
    private PipelineHeartbeat heartbeat;
    private final CountDownLatch failed = new CountDownLatch(1);

    private TopologyApp(TopologySettings settings) throws Exception {
        this.settings = settings;
        // A restart after a crash waits for all of this before its tasks run again: the Kafka metadata calls go on
        // their own thread while this one connects to Redis and loads RocksDB's native library, so the start costs
        // the longer of the two rather than their sum.
        CompletableFuture<Routing> kafkaMetadata = kafkaMetadata(settings);
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        metrics = new TopologyMetrics(registry);
        RocksDB.loadLibrary();
        sink = new RedisSink(settings.redis(), settings);
        try {
            routing = kafkaMetadata.get();
        } catch (ExecutionException e) {
            sink.close();
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
        Properties properties = StreamsProperties.of(settings, metrics);
        localState = new LocalStateGuard(properties, routing.path().name());
        localState.beforeStart();
        backlog = routing.isDirect() ? new UnifiedBacklog(Admin.create(adminConfig(settings)), settings.applicationId(),
                Catalogue.unifiedTopic(settings.applicationId())) : UnifiedBacklog.NONE;
        streams = new KafkaStreams(TopologyFactory.build(settings, routing, sink, metrics, backlog), properties);
        // A failed thread is replaced; the outbox makes the records it was processing safe to process again.
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("Stream thread failed; replacing it", e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streams.setStateListener((now, before) -> {
            LOG.info("Kafka Streams {} -> {}", before, now);
            if (now == KafkaStreams.State.ERROR) {
                failed.countDown();
            }
        });
        metrics.streamsState(streams::state);
        streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(registry);
        health = new HealthServer(settings.httpPort(), () -> streams.state() == KafkaStreams.State.RUNNING, registry);
    }

    /** Creates the missing topics and resolves the routing path, on a thread of its own. */
    private static CompletableFuture<Routing> kafkaMetadata(TopologySettings settings) {
        CompletableFuture<Routing> routing = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try (Admin admin = Admin.create(adminConfig(settings))) {
                if (settings.createTopics()) {
                    TopicCreator.createMissing(settings, admin);
                }
                routing.complete(Routing.resolve(settings, admin));
            } catch (Throwable e) {
                routing.completeExceptionally(e);
            }
        }, "startup-kafka-metadata");
        thread.setDaemon(true);
        thread.start();
        return routing;
    }

    private static Map<String, Object> adminConfig(TopologySettings settings) {
        Map<String, Object> config = new HashMap<>(settings.kafka());
        config.putIfAbsent(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        return config;
    }

    public static TopologyApp start(TopologySettings settings) throws Exception {
        TopologyApp app = new TopologyApp(settings);
        app.streams.start();
        app.heartbeat = new PipelineHeartbeat(settings, app.sink, () -> app.streams.state() == KafkaStreams.State.RUNNING);
        LOG.info("sse-router topology {} started: {} stream threads, {} path, {} unified partitions, guarantee {}, health and metrics on :{}",
                settings.applicationId(), settings.threads(), app.routing.path().name().toLowerCase(java.util.Locale.ROOT),
                app.routing.partitions(), settings.processingGuarantee(), app.httpPort());
        return app;
    }

    public int httpPort() {
        return health.port();
    }

    /** How execution events reach their sequencer in this instance. */
    public Routing routing() {
        return routing;
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    public TopologyMetrics metrics() {
        return metrics;
    }

    public String scrape() {
        return registry.scrape();
    }

    public boolean awaitRunning(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (streams.state() != KafkaStreams.State.RUNNING && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        return streams.state() == KafkaStreams.State.RUNNING;
    }

    /** Blocks until Kafka Streams fails for good (state ERROR) or the timeout passes; true if it failed. */
    public boolean awaitFailure(Duration timeout) throws InterruptedException {
        return failed.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Stops intake, lets in-flight Redis writes finish (the rest stay in the outbox), closes within the timeout. */
    @Override
    public void close() {
        health.close();
        if (heartbeat != null) {
            heartbeat.close();
        }
        // An instance without a stable name never comes back as the same group member: leaving lets the others take
        // its partitions at once, not after the session timeout. A named one stays, so that its restart takes its
        // partitions back without a rebalance (static membership).
        boolean closed = streams.close(CloseOptions.timeout(CLOSE_TIMEOUT).withGroupMembershipOperation(settings.instanceId() == null
                ? CloseOptions.GroupMembershipOperation.LEAVE_GROUP : CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP));
        if (closed) {
            localState.afterCleanClose();
        } else {
            LOG.warn("Kafka Streams did not close within {} s", CLOSE_TIMEOUT.toSeconds());
        }
        streamsMetrics.close();
        backlog.close();
        sink.close();
        LOG.info("sse-router topology {} stopped", settings.applicationId());
    }
}
