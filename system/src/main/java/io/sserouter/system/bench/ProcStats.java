package io.sserouter.system.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/** Memory and CPU time of a set of processes, from /proc (summed over the set: nginx's master and its workers). */
final class ProcStats {
    private ProcStats() {
    }

    /** Resident memory, VmRSS, in bytes. Pages shared between processes count once per process. */
    static long rss(List<Long> pids) throws IOException {
        return sum(pids, "status", "VmRSS:") << 10;
    }

    /** Proportional set size in bytes: shared pages split among the processes sharing them, so the sum is honest. */
    static long pss(List<Long> pids) throws IOException {
        return sum(pids, "smaps_rollup", "Pss:") << 10;
    }

    /** Threads of the processes: their stacks are in the RSS, so a pool that grows under load shows there too. */
    static long threads(List<Long> pids) throws IOException {
        return sum(pids, "status", "Threads:");
    }

    /** utime + stime, in clock ticks (1/100 s). */
    static long cpuTicks(List<Long> pids) throws IOException {
        long sum = 0;
        for (long pid : pids) {
            try {
                String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                sum += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
            } catch (NoSuchFileException gone) {
                // a process that ended takes its ticks with it
            }
        }
        return sum;
    }

    /** A numeric field of each process's /proc/<pid>/{@code file}, summed. */
    private static long sum(List<Long> pids, String file, String name) throws IOException {
        long sum = 0;
        for (long pid : pids) {
            sum += field(Path.of("/proc/" + pid + "/" + file), name);
        }
        return sum;
    }

    /** A numeric field of a /proc file (its digits), 0 when the process is gone. */
    private static long field(Path file, String name) throws IOException {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(name)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (NoSuchFileException gone) {
            return 0;
        }
        return 0;
    }
}
