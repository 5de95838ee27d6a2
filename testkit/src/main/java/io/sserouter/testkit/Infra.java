package io.sserouter.testkit;

/**
 * One broker and one Redis for the whole test JVM, started on first use and stopped when the JVM exits,
 * so test classes share them instead of paying start-up per class.
 */
public final class Infra {
    private static KafkaBroker kafka;
    private static RedisProcess redis;

    private Infra() {
    }

    /** A stuck close must not hold the JVM (and the build) hostage at exit. */
    private static void bounded(Runnable close) {
        Thread closer = new Thread(close, "infra-close");
        closer.setDaemon(true);
        closer.start();
        try {
            closer.join(15_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public static synchronized KafkaBroker kafka() {
        if (kafka == null) {
            kafka = KafkaBroker.start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> bounded(kafka::close), "stop-kafka"));
        }
        return kafka;
    }

    public static synchronized RedisProcess redis() {
        if (redis == null) {
            redis = RedisProcess.start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> bounded(redis::close), "stop-redis"));
        }
        return redis;
    }
}
