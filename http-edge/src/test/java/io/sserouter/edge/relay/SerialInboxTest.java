package io.sserouter.edge.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sserouter.edge.FakeTopology;
import io.sserouter.edge.sse.Published;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A stream's steps run one at a time and in order, whether a live message is relayed on the subscriber's thread or
 * on the writer pool.
 */
class SerialInboxTest {
    private final ExecutorService writers = Executors.newFixedThreadPool(4);
    /** The thread each relayed message ran on, by seq. */
    private final List<Thread> ranOn = new CopyOnWriteArrayList<>();
    private final List<Long> relayed = new CopyOnWriteArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicInteger overlaps = new AtomicInteger();

    @AfterEach
    void stop() {
        writers.shutdownNow();
    }

    private SerialInbox inbox(Predicate<Published> relaysWithoutBlocking) {
        return new SerialInbox(writers, 100_000, message -> exclusive(() -> {
            relayed.add(message.seq());
            ranOn.add(Thread.currentThread());
        }), relaysWithoutBlocking, e -> {
            throw e;
        });
    }

    /** Runs {@code step}, counting any other step of the stream that runs at the same time. */
    private void exclusive(Runnable step) {
        if (!running.compareAndSet(false, true)) {
            overlaps.incrementAndGet();
        }
        try {
            step.run();
        } finally {
            running.set(false);
        }
    }

    private static Published message(long seq) {
        return Published.parse(FakeTopology.envelope("e", seq, "pod_running"));
    }

    private void awaitRelayed(int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (relayed.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(count, relayed.size(), "messages relayed");
    }

    /** Waits for the stream's queued and running steps to finish, whichever thread runs them. */
    private static void awaitIdle(SerialInbox inbox) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!inbox.idle() && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertTrue(inbox.idle(), "the stream went idle");
    }

    @Test
    void anIdleStreamRelaysAMessageOnTheSubscribersThreadAndOneThatMustReadOnThePool() throws Exception {
        SerialInbox inbox = inbox(message -> message.seq() != 2); // seq 2 stands for a gap: the log is read first
        inbox.start(() -> { });
        awaitIdle(inbox);
        inbox.relayHere(message(1));
        assertEquals(List.of(1L), relayed, "relayed before relayHere returned");
        assertSame(Thread.currentThread(), ranOn.get(0));

        inbox.relayHere(message(2));
        awaitRelayed(2);
        assertNotSame(Thread.currentThread(), ranOn.get(1), "a message that would block goes to the pool");
    }

    @Test
    void aMessageForABusyStreamWaitsItsTurnOnThePool() throws Exception {
        SerialInbox inbox = inbox(message -> true);
        CountDownLatch stepRunning = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        inbox.start(() -> exclusive(() -> {
            stepRunning.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        assertTrue(stepRunning.await(10, TimeUnit.SECONDS));
        inbox.relayHere(message(1));
        assertTrue(relayed.isEmpty(), "not relayed beside the running step");
        release.countDown();
        awaitRelayed(1);
        assertNotSame(Thread.currentThread(), ranOn.get(0));
    }

    @Test
    void messagesBeforeTheStartWaitForItsFirstStep() throws Exception {
        SerialInbox inbox = inbox(message -> true);
        inbox.relayHere(message(1));
        inbox.relayHere(message(2));
        assertTrue(relayed.isEmpty(), "nothing runs before the start");
        List<Long> atFirstStep = new CopyOnWriteArrayList<>();
        inbox.start(() -> atFirstStep.addAll(relayed));
        awaitRelayed(2);
        assertEquals(List.of(), atFirstStep, "the first step runs first");
        assertEquals(List.of(1L, 2L), relayed);
    }

    @Test
    void liveMessagesRelayedHereOrOnThePoolStayInOrderBesideOtherSteps() throws Exception {
        // some messages would block (every seventh), and other threads queue steps (heartbeats) all the while
        SerialInbox inbox = inbox(message -> message.seq() % 7 != 0);
        inbox.start(() -> { });
        awaitIdle(inbox);
        inbox.relayHere(message(1));
        assertSame(Thread.currentThread(), ranOn.get(0), "an idle stream relays on the subscriber's thread");
        int count = 20_000;
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger heartbeats = new AtomicInteger();
        Thread other = new Thread(() -> {
            while (!done.get()) {
                inbox.submit(() -> exclusive(heartbeats::incrementAndGet));
                LockSupport.parkNanos(20_000);
            }
        });
        other.start();
        for (long seq = 2; seq <= count; seq++) {
            inbox.relayHere(message(seq));
        }
        done.set(true);
        other.join();
        awaitRelayed(count);
        for (int i = 0; i < count; i++) {
            assertEquals(i + 1, relayed.get(i), "the " + (i + 1) + "th message relayed");
        }
        assertEquals(0, overlaps.get(), "two steps of the stream ran at once");
        assertTrue(heartbeats.get() > 0);
        assertFalse(ranOn.stream().allMatch(t -> t == Thread.currentThread()), "some went to the pool");

        awaitIdle(inbox);
        inbox.relayHere(message(count + 1));
        assertSame(Thread.currentThread(), ranOn.get(count), "once drained, the stream relays here again");
    }
}
