package io.sserouter.testkit;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waiting for something a test cannot be told about: polls a condition until it holds, or fails naming it. */
public final class Await {
    /** Long enough for a Redis failover or a rebalance on a loaded machine; a test that needs it fails anyway after. */
    public static final Duration DEFAULT = Duration.ofSeconds(60);

    private Await() {
    }

    public static void until(String what, BooleanSupplier condition) {
        until(what, DEFAULT, condition);
    }

    public static void until(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("gave up waiting until " + what);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
