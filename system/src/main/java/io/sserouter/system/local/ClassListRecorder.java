package io.sserouter.system.local;

import io.sserouter.testkit.ChildJvm;
import io.sserouter.testkit.FreePorts;
import io.sserouter.testkit.Infra;
import io.sserouter.testkit.RunEnv;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Records the class list the topology's class-data archive is made from: the classes the runnable jar loads when it
 * restarts after a crash (local state removed, stores restored, listed writes sent again), sequences the demo
 * workload on every topic, dead-letters a malformed record and stops cleanly. Run by
 * {@code topology/src/main/cds/record}: {@code ClassListRecorder <runnable jar> <class list to write>}.
 */
public final class ClassListRecorder {
    private static final String RUN = "classlist-";

    private ClassListRecorder() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: ClassListRecorder <topology runnable jar> <class list to write>");
            System.exit(2);
        }
        Path jar = Path.of(args[0]);
        Path list = Path.of(args[1]).toAbsolutePath();
        Path recording = Files.createTempFile("topology", ".classlist");
        String bootstrap = Infra.kafka().bootstrapServers();
        Map<String, String> env = new HashMap<>(RunEnv.of(RUN, Infra.redis().url()));
        env.put("SSE_INSTANCE_ID", "classlist");
        Path log = Path.of("target", "classlist-topology.log");
        int port = FreePorts.any();
        try (DemoProducer demo = new DemoProducer(bootstrap, RUN, DemoProducer.USERS)) {
            try (ChildJvm first = ChildJvm.packaged("topology", jar, List.of("-Xmx384m"), env, port, log).start()) {
                first.awaitReady(Duration.ofSeconds(120));
                demo.start(100);
                Thread.sleep(10_000);
                first.kill(); // the next start takes the path of a restart after a crash
            }
            List<String> options = List.of("-Xmx384m", "-XX:DumpLoadedClassList=" + recording);
            try (ChildJvm second = ChildJvm.packaged("topology", jar, options, env, port, log).start()) {
                second.awaitReady(Duration.ofSeconds(120));
                demo.malformed();
                Thread.sleep(20_000);
                int exit = second.terminate(Duration.ofSeconds(60));
                if (exit != 0 && exit != 143) {
                    throw new IllegalStateException("the topology exited with " + exit + "; log:\n" + second.tail());
                }
            }
        }
        // An "@cp" line names constant-pool entries by index, which move with every edit of the class: for the product's
        // own classes such lines would go stale at the next change and make every archive dump warn, for nothing
        // the archive needs (the classes themselves are archived either way).
        List<String> lines = Files.readAllLines(recording).stream().filter(line -> !line.startsWith("@cp io/sserouter/")).toList();
        Files.write(list, lines);
        Files.delete(recording);
        long classes = lines.stream().filter(line -> !line.startsWith("#") && !line.startsWith("@")).count();
        System.out.printf("%d classes recorded in %s%n", classes, list);
        System.exit(0); // the broker and Redis stop in shutdown hooks
    }
}
