package io.sserouter.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Which acknowledged writes the topology still has at hand to send again after a failover: those of an execution
 * until a later write of the same execution confirms them, however long other executions are written meanwhile.
 */
class AcknowledgedWritesTest {
    private static final Duration CONFIRM = Duration.ofSeconds(10);
    private static final Duration KEEP = Duration.ofSeconds(150);
    private final AtomicLong now = new AtomicLong();
    private final AcknowledgedWrites writes = new AcknowledgedWrites(CONFIRM, KEEP, now::get);

    private static SinkWrite write(String execution, long seq) {
        return new SinkWrite(SinkWrite.Kind.EXECUTION, execution, seq, "id:" + seq, "t/0/" + seq, "{}", "{}", false);
    }

    private void at(long seconds, SinkWrite... batch) {
        now.set(Duration.ofSeconds(seconds).toNanos());
        writes.add(List.of(batch));
    }

    private List<String> kept() {
        return writes.list().stream().map(w -> w.target() + ":" + w.seq()).toList();
    }

    @Test
    void aQuietExecutionsWritesStayWhileOtherExecutionsAreWritten() {
        // b's master dies with b:2 unreplicated while b is quiet; a's writes go on to another master for a minute
        at(0, write("a", 1), write("b", 1));
        at(1, write("a", 2), write("b", 2));
        for (int second = 2; second <= 60; second++) {
            at(second, write("a", second + 1L));
        }
        assertEquals(List.of("b:1", "b:2"), kept().stream().filter(w -> w.startsWith("b:")).toList(),
                "b's writes are still at hand when b's next write finds its log short");
    }

    @Test
    void aWriteIsForgottenOnceALaterWriteOfItsExecutionIsAcknowledgedLongEnoughAfter() {
        at(0, write("a", 1));
        at(5, write("a", 2));
        assertEquals(List.of("a:1", "a:2"), kept(), "5 s later a:1 may not have reached a replica yet");
        at(10, write("a", 3));
        assertEquals(List.of("a:2", "a:3"), kept());
    }

    @Test
    void anExecutionsLastWriteIsKeptForAtMostTheLongestTime() {
        at(0, write("a", 1));
        at(149, write("b", 1));
        assertEquals(List.of("a:1", "b:1"), kept());
        at(150, write("c", 1));
        assertEquals(List.of("b:1", "c:1"), kept());
    }

    @Test
    void atMostTheMostRecentTwoThousandAreKept() {
        List<SinkWrite> batch = new ArrayList<>();
        for (int i = 0; i < AcknowledgedWrites.MAX + 5; i++) {
            batch.add(write("x" + i, 1));
        }
        at(0, batch.toArray(SinkWrite[]::new));
        List<String> kept = kept();
        assertEquals(AcknowledgedWrites.MAX, kept.size());
        assertEquals("x5:1", kept.get(0), "the oldest go first");
    }

    @Test
    void onlyExecutionWritesAreKeptAndZeroKeepsNone() {
        at(0, new SinkWrite(SinkWrite.Kind.NOTIFICATION, "u", 0, "n1", "t/0/1", "{}", null, false), write("a", 1));
        assertEquals(List.of("a:1"), kept());

        AcknowledgedWrites none = new AcknowledgedWrites(Duration.ZERO, KEEP, now::get);
        none.add(List.of(write("a", 1)));
        assertEquals(List.of(), none.list());
    }
}
