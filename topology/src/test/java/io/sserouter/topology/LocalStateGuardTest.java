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

/** The local state a run that never closed leaves under exactly-once goes before Kafka Streams starts; nothing else. */
class LocalStateGuardTest {
    @TempDir
    Path stateDir;
    private Path appDir;

    @BeforeEach
    void aPreviousRun() throws IOException {
        appDir = stateDir.resolve("app");
        Files.createDirectories(appDir.resolve("0_1/rocksdb/execution-status"));
        Files.writeString(appDir.resolve("0_1/rocksdb/execution-status/000004.log"), "uncommitted?");
        Files.createDirectories(appDir.resolve("1_1/rocksdb/redis-outbox-notifications"));
        Files.writeString(appDir.resolve("kafka-streams-process-metadata"), "{\"processId\":\"0d2e\"}");
    }

    @Test
    void aRunThatNeverClosedLeavesStateThatIsRemovedAtTheNextStart() {
        new LocalStateGuard(properties(StreamsConfig.EXACTLY_ONCE_V2), "DIRECT").beforeStart();
        // killed: no clean close

        assertEquals(List.of("0_1", "1_1"), new LocalStateGuard(properties(StreamsConfig.EXACTLY_ONCE_V2), "DIRECT").beforeStart());
        assertFalse(Files.exists(appDir.resolve("0_1")));
        assertTrue(Files.exists(appDir.resolve("kafka-streams-process-metadata")), "the process id, and so the transactional ids, stay");
    }

    @Test
    void aRunThatClosedCleanlyKeepsItsState() {
        LocalStateGuard run = new LocalStateGuard(properties(StreamsConfig.EXACTLY_ONCE_V2), "DIRECT");
        run.beforeStart();
        run.afterCleanClose();

        assertEquals(List.of(), new LocalStateGuard(properties(StreamsConfig.EXACTLY_ONCE_V2), "DIRECT").beforeStart());
        assertTrue(Files.exists(appDir.resolve("0_1/rocksdb/execution-status/000004.log")));
    }

    @Test
    void stateFromBeforeTheGuardExistedIsKafkaStreamsToJudge() {
        // no mark of a run: an instance upgraded from a release without the guard, or a first start
        assertEquals(List.of(), new LocalStateGuard(properties(StreamsConfig.EXACTLY_ONCE_V2), "DIRECT").beforeStart());
        assertTrue(Files.exists(appDir.resolve("0_1/rocksdb/execution-status/000004.log")));
    }

    @Test
    void underAtLeastOnceNothingGoes() {
        new LocalStateGuard(properties(StreamsConfig.AT_LEAST_ONCE), "DIRECT").beforeStart();
        assertEquals(List.of(), new LocalStateGuard(properties(StreamsConfig.AT_LEAST_ONCE), "DIRECT").beforeStart());
        assertTrue(Files.exists(appDir.resolve("0_1/rocksdb/execution-status/000004.log")));
    }

    @Test
    void withStandbyReplicasTheStateGoesToo() {
        Properties withStandby = properties(StreamsConfig.EXACTLY_ONCE_V2);
        withStandby.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, 1);
        new LocalStateGuard(withStandby, "DIRECT").beforeStart();
        // a restarted instance that keeps its name gets its tasks back whether or not a standby holds them elsewhere
        assertEquals(List.of("0_1", "1_1"), new LocalStateGuard(withStandby, "DIRECT").beforeStart());
        assertFalse(Files.exists(appDir.resolve("0_1")));
    }

    @Test
    void aStartOnTheOtherRoutingPathRemovesTheStateOfTheTasksItNumbersOtherwise() {
        LocalStateGuard run = new LocalStateGuard(properties(StreamsConfig.AT_LEAST_ONCE), "REPARTITION");
        run.beforeStart();
        run.afterCleanClose();
        assertEquals(List.of(), new LocalStateGuard(properties(StreamsConfig.AT_LEAST_ONCE), "REPARTITION").beforeStart(), "same path");

        assertEquals(List.of("0_1", "1_1"), new LocalStateGuard(properties(StreamsConfig.AT_LEAST_ONCE), "DIRECT").beforeStart());
        assertFalse(Files.exists(appDir.resolve("0_1")));
        assertTrue(Files.exists(appDir.resolve("kafka-streams-process-metadata")));
    }

    @Test
    void aStateDirectoryInUseByAnotherInstanceIsLeftAlone() throws IOException {
        new LocalStateGuard(properties(StreamsConfig.EXACTLY_ONCE_V2), "DIRECT").beforeStart();
        try (FileChannel channel = FileChannel.open(appDir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock held = channel.lock()) {
            assertEquals(List.of(), new LocalStateGuard(properties(StreamsConfig.EXACTLY_ONCE_V2), "DIRECT").beforeStart());
        }
        assertTrue(Files.exists(appDir.resolve("0_1/rocksdb/execution-status/000004.log")));
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
