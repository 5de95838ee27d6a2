package io.sserouter.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sserouter.config.ConfigException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EdgeSettingsTest {
    private static final String SECRET = "0123456789abcdef0123456789abcdef";

    @Test
    void theWriterPoolFollowsTheMachinesProcessorsUnlessSet() {
        int processors = Runtime.getRuntime().availableProcessors();
        int writers = EdgeSettings.fromEnv(Map.of("SSE_JWT_SECRET", SECRET)).writerThreads();
        assertTrue(writers >= 4, "a few slow Redis reads must not hold up every stream: " + writers);
        assertTrue(writers <= Math.max(4, 2 * processors), "no more than two per processor beyond the floor: " + writers + " on " + processors);
        assertEquals(12, EdgeSettings.fromEnv(Map.of("SSE_JWT_SECRET", SECRET, "SSE_WRITER_THREADS", "12")).writerThreads());
        ConfigException e = assertThrows(ConfigException.class,
                () -> EdgeSettings.fromEnv(Map.of("SSE_JWT_SECRET", SECRET, "SSE_WRITER_THREADS", "0")));
        assertTrue(e.getMessage().contains("SSE_WRITER_THREADS"), e.getMessage());
    }
}
