package io.sserouter.topology;

import io.sserouter.config.ConfigException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/** Runs the topology: {@code java -jar sse-router-topology.jar}, configured by environment variables only. */
public final class Main {
    /**
     * JVM flags the image starts the topology with (docker/topology.Dockerfile), besides heap and class-data archive;
     * the tests and benchmarks that time a restart start the jar with them too. A restarted instance runs its first
     * seconds in code the JIT compiler sees for the first time, and on a small host the optimising compiler (C2),
     * busy with methods that are hot only while the instance starts, takes the cores it needs to rejoin and restore.
     * Ten times HotSpot's invocation and loop thresholds for C2 leave that to the quick compiler (C1) until a method
     * stays hot: an instance is back at work a third to half a second sooner (benchmarks.md), and a process that keeps
     * running still gets C2's code for its steady work.
     */
    public static final List<String> JVM_FLAGS = List.of("-XX:Tier4InvocationThreshold=50000", "-XX:Tier4MinInvocationThreshold=6000",
            "-XX:Tier4CompileThreshold=150000", "-XX:Tier4BackEdgeThreshold=400000");

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
