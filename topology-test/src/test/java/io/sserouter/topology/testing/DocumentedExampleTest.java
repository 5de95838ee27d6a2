package io.sserouter.topology.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The example in the users' guide is the test that runs here, word for word. */
class DocumentedExampleTest {
    @Test
    void theGuideShowsTheExampleTestAsItIs() throws Exception {
        String guide = Files.readString(Path.of("..", "docs", "topology-test-driver.md"));
        String example = Files.readString(Path.of("src", "test", "java", "example", "ExampleProducerTest.java"));
        assertTrue(guide.contains("```java\n" + example + "```"), "docs/topology-test-driver.md must show ExampleProducerTest.java unchanged");
    }
}
