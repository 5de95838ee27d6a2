package io.sserouter.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local state a kill -9 leaves under exactly-once goes before Kafka Streams starts; everything else stays. */
class UncleanStateSweeperTest {
    @TempDir
    Path stateDir;
    private Path appDir;

    @BeforeEach
    void leftBehind() throws IOException {
        appDir = stateDir.resolve("app");
        // what Kafka Streams leaves: a task killed while processing has no checkpoint, one closed cleanly has one
        Files.createDirectories(appDir.resolve("0_1/rocksdb/execution-status"));
        Files.writeString(appDir.resolve("0_1/rocksdb/execution-status/000004.log"), "uncommitted?");
        Files.createDirectories(appDir.resolve("0_2/rocksdb/execution-status"));
        Files.writeString(appDir.resolve("0_2/.checkpoint"), "0\n1\napp-execution-status-changelog 2 41\n");
        Files.writeString(appDir.resolve("kafka-streams-process-metadata"), "{\"processId\":\"0d2e\"}");
    }

    @Test
    void underExactlyOnceATaskWithoutCheckpointGoesAndTheRestStays() {
        assertEquals(List.of("0_1"), UncleanStateSweeper.sweep(properties(StreamsConfig.EXACTLY_ONCE_V2)));

        assertFalse(Files.exists(appDir.resolve("0_1")));
        assertTrue(Files.exists(appDir.resolve("0_2/.checkpoint")), "a cleanly closed task restores from its checkpoint");
        assertTrue(Files.exists(appDir.resolve("kafka-streams-process-metadata")), "the process id, and so the transactional ids, stay");
    }

    @Test
    void underAtLeastOnceNothingGoes() {
        assertEquals(List.of(), UncleanStateSweeper.sweep(properties(StreamsConfig.AT_LEAST_ONCE)));
        assertTrue(Files.exists(appDir.resolve("0_1/rocksdb/execution-status/000004.log")));
    }

    @Test
    void withStandbyReplicasNothingGoes() {
        Properties withStandby = properties(StreamsConfig.EXACTLY_ONCE_V2);
        withStandby.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, 1);
        // Kafka Streams' own handling then rebalances, and an up-to-date standby takes the task over
        assertEquals(List.of(), UncleanStateSweeper.sweep(withStandby));
        assertTrue(Files.exists(appDir.resolve("0_1/rocksdb/execution-status/000004.log")));
    }

    @Test
    void aStateDirectoryInUseByAnotherInstanceIsLeftAlone() throws IOException {
        try (FileChannel channel = FileChannel.open(appDir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock held = channel.lock()) {
            assertEquals(List.of(), UncleanStateSweeper.sweep(properties(StreamsConfig.EXACTLY_ONCE_V2)));
        }
        assertTrue(Files.exists(appDir.resolve("0_1/rocksdb/execution-status/000004.log")));
    }

    @Test
    void aFirstStartHasNothingToSweep() {
        Properties fresh = properties(StreamsConfig.EXACTLY_ONCE_V2);
        fresh.put(StreamsConfig.APPLICATION_ID_CONFIG, "never-ran");
        assertEquals(List.of(), UncleanStateSweeper.sweep(fresh));
    }

    private Properties properties(String guarantee) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "app");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
        return props;
    }
}
