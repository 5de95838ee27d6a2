package io.sserouter.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvTest {
    @Test
    void readsTypedValuesAndFallsBackOnBlank() {
        Env env = new Env(Map.of("N", "42", "B", "yes", "L", " a, b ,,c ", "BLANK", "  "));
        assertEquals(42, env.integer("N", 1, 0, 100));
        assertTrue(env.bool("B", false));
        assertEquals(List.of("a", "b", "c"), env.list("L", List.of()));
        assertEquals("fallback", env.string("BLANK", "fallback"));
        env.check();
    }

    @Test
    void collectsEveryProblemIntoOneMessage() {
        Env env = new Env(Map.of("N", "x", "M", "500", "U", "nohost"));
        env.integer("N", 1, 0, 100);
        env.integer("M", 1, 0, 100);
        env.uri("U", "redis://localhost:6379", "redis");
        env.required("R");
        ConfigException e = assertThrows(ConfigException.class, env::check);
        assertEquals("Invalid configuration: N must be an integer between 0 and 100, got 'x'; M must be between 0 and 100, got 500; "
                + "U must be a URL like redis://host:port, got 'nohost'; R is required but not set", e.getMessage());
    }
}
