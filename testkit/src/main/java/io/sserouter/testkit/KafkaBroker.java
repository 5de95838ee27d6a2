package io.sserouter.testkit;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.utils.Exit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A real single-node KRaft broker (combined broker + controller) in this JVM, on random ports. */
public final class KafkaBroker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaBroker.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final KafkaClusterTestKit cluster;

    private KafkaBroker(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    public static KafkaBroker start() {
        keepTheJvmOnBrokerFailure();
        try {
            KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(nodes())
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("offsets.topic.num.partitions", "4")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setConfigProp("transaction.state.log.num.partitions", "4")
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    .setConfigProp("num.partitions", "4")
                    .setConfigProp("auto.create.topics.enable", "false")
                    .build();
            cluster.format();
            cluster.startup();
            CompletableFuture.runAsync(() -> {
                try {
                    cluster.waitForReadyBrokers();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }).get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            return new KafkaBroker(cluster);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("Kafka broker not ready within " + START_TIMEOUT, e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start Kafka broker: " + e.getMessage(), e);
        }
    }

    /**
     * The node layout, in a new temporary directory. Kafka's test kit also registers a JVM shutdown hook that deletes
     * that directory, which at exit ran while the broker was still closing (from {@link Infra}'s own hook) and made it
     * log a warning for every partition it could no longer write. {@link #close} deletes the directory itself, after
     * the broker stops, so that hook is not registered.
     */
    private static synchronized TestKitNodes nodes() {
        Exit.setShutdownHookAdder((name, hook) -> {
        });
        try {
            return new TestKitNodes.Builder()
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    // the default is an unstable metadata version, which never becomes ready here
                    .setBootstrapMetadataVersion(MetadataVersion.LATEST_PRODUCTION)
                    .build();
        } finally {
            Exit.resetShutdownHookAdder();
        }
    }

    /**
     * A broker in this JVM that fails fatally, for instance an I/O error on its log directory while the JVM shuts down
     * after the last test, calls Kafka's {@code Exit.halt(1)}: the test JVM would then end with status 1 after every
     * test passed, and the build fail ("Error occurred in starting fork"). Kafka's own tests replace these procedures
     * the same way; the failure is still logged.
     */
    private static synchronized void keepTheJvmOnBrokerFailure() {
        Exit.setHaltProcedure((status, message) -> LOG.warn("The in-process Kafka broker asked to halt the JVM with status {}: {}", status, message));
        Exit.setExitProcedure((status, message) -> LOG.warn("The in-process Kafka broker asked to exit the JVM with status {}: {}", status, message));
    }

    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    @Override
    public void close() {
        try {
            cluster.close();
        } catch (Exception e) {
            throw new IllegalStateException("cannot stop Kafka broker", e);
        }
    }
}
