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

    public static synchronized KafkaBroker kafka() {
        if (kafka == null) {
            kafka = KafkaBroker.start();
            Runtime.getRuntime().addShutdownHook(new Thread(kafka::close, "stop-kafka"));
        }
        return kafka;
    }

    public static synchronized RedisProcess redis() {
        if (redis == null) {
            redis = RedisProcess.start();
            Runtime.getRuntime().addShutdownHook(new Thread(redis::close, "stop-redis"));
        }
        return redis;
    }
}
