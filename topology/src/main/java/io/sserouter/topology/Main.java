package io.sserouter.topology;

import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sserouter.config.ConfigException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs the topology: {@code java -jar sse-router-topology.jar}, configured by environment variables only. */
public final class Main {
    private static final Logger LOG = LoggerFactory.getLogger(Main.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        TopologySettings settings;
        try {
            settings = TopologySettings.fromEnv(System.getenv());
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        System.exit(run(settings, System.getenv()));
    }

    static int run(TopologySettings settings, Map<String, String> env) throws Exception {
        if (settings.createTopics()) {
            TopicCreator.createMissing(settings);
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        TopologyMetrics metrics = new TopologyMetrics(registry);
        CountDownLatch stopped = new CountDownLatch(1);
        try (RedisSink sink = new RedisSink(settings.redis(), settings)) {
            KafkaStreams streams = new KafkaStreams(TopologyFactory.build(settings, sink, metrics), StreamsProperties.of(settings, metrics));
            // A failed thread is replaced; the outbox makes the records it was processing safe to process again.
            streams.setUncaughtExceptionHandler(e -> {
                LOG.error("Stream thread failed; replacing it", e);
                return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
            });
            int[] exit = {0};
            streams.setStateListener((now, before) -> {
                LOG.info("Kafka Streams {} -> {}", before, now);
                if (now == KafkaStreams.State.ERROR) {
                    exit[0] = 1;
                    stopped.countDown();
                }
            });
            KafkaStreamsMetrics streamsMetrics = new KafkaStreamsMetrics(streams);
            streamsMetrics.bindTo(registry);
            try (HealthServer health = new HealthServer(settings.httpPort(), () -> streams.state() == KafkaStreams.State.RUNNING, registry)) {
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    LOG.info("Stopping: closing Kafka Streams (in-flight Redis writes finish or stay in the outbox)");
                    stopped.countDown();
                    streams.close(new KafkaStreams.CloseOptions().timeout(CLOSE_TIMEOUT));
                }, "shutdown"));
                streams.start();
                LOG.info("sse-router topology {} started: {} stream threads, {} unified partitions, guarantee {}, health/metrics on :{}",
                        settings.applicationId(), settings.threads(), settings.partitions(), settings.processingGuarantee(), health.port());
                stopped.await();
                streams.close(new KafkaStreams.CloseOptions().timeout(CLOSE_TIMEOUT));
            } finally {
                streamsMetrics.close();
            }
            return exit[0];
        }
    }
}
