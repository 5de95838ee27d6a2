package io.sserouter.topology;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refreshes the pipeline heartbeat in Redis while this instance is running and Kafka answers. Kafka Streams stays
 * RUNNING for a long time when the brokers are unreachable, so the broker is asked directly; the edges show the
 * heartbeat's age next to each snapshot.
 */
final class PipelineHeartbeat implements AutoCloseable {
    static final Duration EVERY = Duration.ofSeconds(5);
    private static final Logger LOG = LoggerFactory.getLogger(PipelineHeartbeat.class);

    private final Admin admin;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "pipeline-heartbeat");
        thread.setDaemon(true);
        return thread;
    });

    PipelineHeartbeat(TopologySettings settings, EventSink sink, BooleanSupplier running) {
        Map<String, Object> config = new HashMap<>(settings.kafka());
        config.putIfAbsent(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) EVERY.toMillis());
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) EVERY.toMillis() - 1_000);
        admin = Admin.create(config);
        timer.scheduleWithFixedDelay(() -> beat(sink, running), 0, EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void beat(EventSink sink, BooleanSupplier running) {
        try {
            if (running.getAsBoolean()) {
                admin.describeCluster().clusterId().get(EVERY.toMillis(), TimeUnit.MILLISECONDS);
                sink.heartbeat(System.currentTimeMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.debug("No pipeline heartbeat this round: {}", e.toString());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        admin.close(Duration.ofSeconds(2));
    }
}
