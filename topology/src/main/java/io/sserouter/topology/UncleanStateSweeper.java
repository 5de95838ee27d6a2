package io.sserouter.topology;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Under exactly-once, a task directory without a checkpoint file was left by a process that stopped without closing
 * (a crash, kill -9, an OOM kill). Kafka Streams cannot tell committed from uncommitted data in such a store, so it
 * wipes the store and restores it from the changelog anyway; but it finds out only once the task is assigned, and
 * then also asks the whole group to rebalance (so that a standby could take the task over), which stalls every
 * instance for up to a heartbeat interval. Without standby replicas, that rebalance cannot move the task anywhere
 * better, and removing those directories before Kafka Streams starts gives the same restore without it.
 *
 * <p>Only task directories are removed: the process id file stays, so the restarted instance keeps its transactional
 * ids and fences its dead self at once. Nothing is touched while another process holds the state directory's lock
 * (the one Kafka Streams takes while it runs); Kafka Streams then refuses to start with its own message.
 */
final class UncleanStateSweeper {
    private static final Logger LOG = LoggerFactory.getLogger(UncleanStateSweeper.class);
    /** The names Kafka Streams gives these files (StateDirectory's LOCK_FILE_NAME and CHECKPOINT_FILE_NAME). */
    private static final String LOCK_FILE = ".lock";
    private static final String CHECKPOINT_FILE = ".checkpoint";

    private UncleanStateSweeper() {
    }

    /** Removes the task directories an unclean stop left, if the guarantee is exactly-once; returns their names. */
    static List<String> sweep(Properties streamsProperties) {
        StreamsConfig config = new StreamsConfig(streamsProperties);
        if (!StreamsConfig.EXACTLY_ONCE_V2.equals(config.getString(StreamsConfig.PROCESSING_GUARANTEE_CONFIG))) {
            return List.of(); // at-least-once keeps a checkpoint while it runs and restores only what came after it
        }
        if (config.getInt(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG) > 0) {
            // that rebalance is then worth it: it makes an up-to-date standby the task's owner, instead of this
            // instance restoring the whole store from the changelog
            return List.of();
        }
        Path appDir = Path.of(config.getString(StreamsConfig.STATE_DIR_CONFIG), config.getString(StreamsConfig.APPLICATION_ID_CONFIG));
        if (!Files.isDirectory(appDir)) {
            return List.of();
        }
        try (FileChannel channel = FileChannel.open(appDir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException heldHere) {
                lock = null;
            }
            if (lock == null) {
                return List.of(); // in use
            }
            try {
                List<String> swept = new ArrayList<>();
                for (Path task : taskDirectories(appDir)) {
                    if (!Files.exists(task.resolve(CHECKPOINT_FILE)) && !isEmpty(task)) {
                        delete(task);
                        swept.add(task.getFileName().toString());
                    }
                }
                if (!swept.isEmpty()) {
                    LOG.info("Local state of tasks {} left by a stop without close removed; it is restored from the changelogs", swept);
                }
                return swept;
            } finally {
                lock.release();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot inspect the state directory " + appDir, e);
        }
    }

    private static List<Path> taskDirectories(Path appDir) throws IOException {
        try (Stream<Path> entries = Files.list(appDir)) {
            return entries.filter(Files::isDirectory).filter(p -> p.getFileName().toString().matches("\\d+_\\d+")).sorted().toList();
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
