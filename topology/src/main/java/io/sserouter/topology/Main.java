package io.sserouter.topology;

import io.sserouter.config.ConfigException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/** Runs the topology: {@code java -jar sse-router-topology.jar}, configured by environment variables only. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        TopologySettings settings;
        try {
            settings = TopologySettings.fromEnv(System.getenv());
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        TopologyApp app;
        try {
            app = TopologyApp.start(settings);
        } catch (Exception e) {
            System.err.println("sse-router topology cannot start: " + e.getMessage());
            e.printStackTrace();
            System.exit(1);
            return;
        }
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
            closed.countDown();
        }, "shutdown"));
        if (app.awaitFailure(Duration.ofDays(36_500))) {
            System.exit(1); // every stream thread is gone: let the orchestrator restart the process
        }
        closed.await();
    }
}
