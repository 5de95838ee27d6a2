package io.sserouter.topology;

import io.sserouter.testkit.ChildJvm;
import io.sserouter.testkit.FreePorts;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The topology as its image starts it (docker/topology.Dockerfile): the runnable jar with the class-data archive the
 * build made for it and the image's JIT flags ({@link Main#JVM_FLAGS}), a fixed heap instead of a share of a
 * container's memory. For the tests that time a start.
 */
final class PackagedTopology {
    static final Path JAR = Path.of(System.getProperty("topology.jar", "target/sse-router-topology-all.jar"));
    static final Path ARCHIVE = Path.of(System.getProperty("topology.archive", "target/sse-router-topology-all.jsa"));

    private PackagedTopology() {
    }

    static ChildJvm instance(String name, List<String> extraJvmOptions, Map<String, String> env, Path log) {
        List<String> options = new ArrayList<>(List.of("-Xmx384m", "-XX:+ExitOnOutOfMemoryError",
                "-XX:SharedArchiveFile=" + ARCHIVE.toAbsolutePath()));
        options.addAll(Main.JVM_FLAGS);
        options.addAll(extraJvmOptions);
        return ChildJvm.packaged(name, JAR, options, env, FreePorts.any(), log);
    }
}
