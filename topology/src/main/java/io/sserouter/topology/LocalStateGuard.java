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
 * Under exactly-once, the local state of a process that stopped without closing (a crash, kill -9, an OOM kill) may
 * hold uncommitted writes, so Kafka Streams wipes it and restores the stores from their changelogs. But it finds out
 * only once the tasks are assigned, then closes them, re-creates them and asks the group to rebalance, which stalls
 * every instance for a moment. This guard removes such state before Kafka Streams starts: the same restore, sooner
 * and without the rebalance. With standby replicas too: a restarted instance that keeps its name (static membership)
 * gets its own tasks back either way, so the standby elsewhere does not take them over; and one that joins under a
 * new name reports no state for them, so the assignment hands them to the up-to-date standby at once.
 *
 * <p>A run is marked by a file in the application's state directory, made at start and removed after a clean close;
 * finding it at start means the last run did not close. (Kafka Streams 4.3 keeps its own record of committed offsets
 * inside each RocksDB store, which is not for others to read.) Only task directories are removed: the process id
 * file stays, so the restarted instance keeps its transactional ids and fences its dead self at once. Nothing is
 * touched while another process holds the state directory's lock (Kafka Streams holds it while it runs).
 *
 * <p>The same goes for the state of a run on the other routing path ({@link Routing}): the two number their tasks
 * differently, so each task directory would hold another task's stores.
 */
final class LocalStateGuard {
    private static final Logger LOG = LoggerFactory.getLogger(LocalStateGuard.class);
    /** Kafka Streams' name for the state directory's lock file (StateDirectory's LOCK_FILE_NAME). */
    private static final String LOCK_FILE = ".lock";
    private static final String RUNNING_MARK = "sse-router.running";

    /** Which topology layout the state directory's task directories belong to (the routing path's name). */
    private static final String LAYOUT_MARK = "sse-router.layout";

    private final Path appDir;
    private final boolean sweeps;
    private final String layout;

    /** {@code layout}: the routing path this start runs; the two number their tasks differently. */
    LocalStateGuard(Properties streamsProperties, String layout) {
        this.layout = layout;
        StreamsConfig config = new StreamsConfig(streamsProperties);
        appDir = Path.of(config.getString(StreamsConfig.STATE_DIR_CONFIG), config.getString(StreamsConfig.APPLICATION_ID_CONFIG));
        // at-least-once restores only what came after its last checkpoint, and trusts what is before it
        sweeps = StreamsConfig.EXACTLY_ONCE_V2.equals(config.getString(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
    }

    /** Removes the task directories a run that did not close left (see above), then marks this run; their names. */
    List<String> beforeStart() {
        try {
            Files.createDirectories(appDir);
            try (FileChannel channel = FileChannel.open(appDir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock lock = tryLock(channel)) {
                if (lock == null) {
                    return List.of(); // in use: Kafka Streams refuses to start, with its own message
                }
                List<String> swept = new ArrayList<>();
                Path layoutMark = appDir.resolve(LAYOUT_MARK);
                String before = Files.exists(layoutMark) ? Files.readString(layoutMark).strip() : layout;
                boolean unclosed = sweeps && Files.exists(appDir.resolve(RUNNING_MARK));
                if (unclosed || !before.equals(layout)) {
                    for (Path task : taskDirectories()) {
                        delete(task);
                        swept.add(task.getFileName().toString());
                    }
                }
                if (!swept.isEmpty() && unclosed) {
                    LOG.info("Local state of tasks {} left by a stop without close removed; it is restored from the changelogs", swept);
                } else if (!swept.isEmpty()) {
                    // Kafka Streams would find each store in a task of another sub-topology, call the task corrupted,
                    // wipe it and rebalance again, for every task: the same restore, later and with a stack trace each
                    LOG.info("Local state of tasks {} belongs to the {} path, whose tasks are numbered otherwise; removed, it is restored "
                            + "from the changelogs", swept, before.toLowerCase(java.util.Locale.ROOT));
                }
                Files.writeString(layoutMark, layout + "\n");
                Files.writeString(appDir.resolve(RUNNING_MARK), "removed after a clean close\n");
                return swept;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the state directory " + appDir, e);
        }
    }

    /** The lock, or null when another process (or this one) holds it. */
    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException heldHere) {
            return null;
        }
    }

    /** Marks the run as closed cleanly: its local state is Kafka Streams' to trust at the next start. */
    void afterCleanClose() {
        try {
            Files.deleteIfExists(appDir.resolve(RUNNING_MARK));
        } catch (IOException e) {
            LOG.warn("Cannot remove {}: the next start restores the stores from the changelogs ({})", appDir.resolve(RUNNING_MARK), e.toString());
        }
    }

    private List<Path> taskDirectories() throws IOException {
        try (Stream<Path> entries = Files.list(appDir)) {
            return entries.filter(Files::isDirectory).filter(p -> p.getFileName().toString().matches("\\d+_\\d+")).sorted().toList();
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
