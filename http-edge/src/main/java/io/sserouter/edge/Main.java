package io.sserouter.edge;

import io.sserouter.config.ConfigException;

/** Runs the edge: {@code java -jar sse-router-edge.jar}, configured by environment variables only. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws InterruptedException {
        EdgeSettings settings;
        try {
            settings = EdgeSettings.fromEnv(System.getenv());
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        EdgeApp app = EdgeApp.start(settings);
        Runtime.getRuntime().addShutdownHook(new Thread(app::shutdown, "shutdown"));
        Thread.currentThread().join();
    }
}
