package io.sserouter.topology;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The handover's rules, without a broker: which events of a starting task go through 'unified', and until when. */
class DirectHandoverTest {
    private static final int PARTITION = 3;

    private static UnifiedBacklog backlog(boolean unread) {
        return new UnifiedBacklog(null, null, null) {
            @Override
            boolean mayHoldUnread(int partition) {
                return unread;
            }
        };
    }

    private static Inbound read(String executionId, long offset) {
        return new Inbound("pod_running", executionId, "u", null, null, "pod_events/" + PARTITION + "/" + offset, null);
    }

    @Test
    void aTaskWhoseUnifiedPartitionHoldsNothingUnreadSequencesWhereItReadsFromTheStart() {
        DirectHandover handover = new DirectHandover(backlog(false));
        handover.started(PARTITION);
        assertTrue(handover.sequenceWhereRead("a", read("a", 0)));
        assertTrue(handover.sequenceWhereRead("b", read("b", 1)));
    }

    @Test
    void untilItsFirstEventComesBackEveryEventGoesThroughUnifiedAndThenOnlyThoseOfExecutionsStillOnTheirWay() {
        DirectHandover handover = new DirectHandover(backlog(true));
        handover.started(PARTITION);
        assertFalse(handover.sequenceWhereRead("a", read("a", 10)), "behind what 'unified' holds");
        assertFalse(handover.sequenceWhereRead("b", read("b", 11)));
        assertFalse(handover.sequenceWhereRead("a", read("a", 12)));

        handover.cameBack(PARTITION, "x", "execution_events/" + PARTITION + "/7"); // held before the start: not counted
        assertFalse(handover.sequenceWhereRead("c", read("c", 13)), "the first event sent has not come back");

        handover.cameBack(PARTITION, "a", read("a", 10).source()); // drained
        assertFalse(handover.sequenceWhereRead("a", read("a", 14)), "a's event 12 is still on its way");
        handover.cameBack(PARTITION, "b", read("b", 11).source());
        assertTrue(handover.sequenceWhereRead("b", read("b", 15)), "nothing of b on its way");
        assertTrue(handover.sequenceWhereRead("d", read("d", 16)), "a new execution");
        handover.cameBack(PARTITION, "a", read("a", 12).source());
        handover.cameBack(PARTITION, "c", read("c", 13).source());
        assertFalse(handover.sequenceWhereRead("a", read("a", 17)), "a's event 14 is still on its way");
        handover.cameBack(PARTITION, "a", read("a", 14).source());
        assertFalse(handover.sequenceWhereRead("a", read("a", 18)), "a's event 17 is still on its way");
        handover.cameBack(PARTITION, "a", read("a", 17).source());
        handover.cameBack(PARTITION, "a", read("a", 18).source());
        assertTrue(handover.sequenceWhereRead("a", read("a", 19)), "nothing of a on its way");
        assertTrue(handover.sequenceWhereRead("c", read("c", 20)));
    }

    @Test
    void aLaterEventOfItsOwnComingBackEndsTheDrainWhenTheFirstWasLostOnTheWay() {
        DirectHandover handover = new DirectHandover(backlog(true));
        handover.started(PARTITION);
        assertFalse(handover.sequenceWhereRead("a", read("a", 10)));
        assertFalse(handover.sequenceWhereRead("b", read("b", 11)));
        handover.cameBack(PARTITION, "y", "pod_events/" + PARTITION + "/9"); // read before this start: not its own
        assertFalse(handover.sequenceWhereRead("c", read("c", 12)));
        handover.cameBack(PARTITION, "b", read("b", 11).source()); // event 10 was dead-lettered on its way
        assertTrue(handover.sequenceWhereRead("b", read("b", 13)));
        assertFalse(handover.sequenceWhereRead("c", read("c", 14)), "c's event 12 is still on its way");
    }

    @Test
    void aTaskThatStartsAgainForgetsWhatItsEarlierStartSent() {
        DirectHandover handover = new DirectHandover(backlog(true));
        handover.started(PARTITION);
        assertFalse(handover.sequenceWhereRead("a", read("a", 10)));
        handover.started(PARTITION); // closed without a commit: event 10 is read again and sent again
        assertFalse(handover.sequenceWhereRead("a", read("a", 10)));
        handover.cameBack(PARTITION, "a", read("a", 10).source());
        assertTrue(handover.sequenceWhereRead("a", read("a", 11)));
    }
}
