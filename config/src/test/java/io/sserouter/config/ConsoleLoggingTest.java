package io.sserouter.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.ConsoleAppender;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConsoleLoggingTest {
    @Test
    void theProductLogsAtItsLevelAndEverythingElseAtWarnOnStandardOutput() {
        LoggerContext context = new LoggerContext();
        ConsoleLogging.apply(context, "debug");
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        assertEquals(Level.WARN, root.getLevel());
        ConsoleAppender<?> out = assertInstanceOf(ConsoleAppender.class, root.getAppender("OUT"));
        assertEquals("System.out", out.getTarget());
        assertEquals(ConsoleLogging.PATTERN, assertInstanceOf(PatternLayoutEncoder.class, out.getEncoder()).getPattern());
        assertEquals(Level.DEBUG, context.getLogger("io.sserouter.topology.Main").getEffectiveLevel());
        assertEquals(Level.WARN, context.getLogger("org.apache.kafka.clients.NetworkClient").getEffectiveLevel());
        assertEquals(Level.ERROR, context.getLogger("org.apache.kafka.streams.processor.internals.RecordDeserializer").getEffectiveLevel());
        assertEquals(Level.ERROR, context.getLogger("org.eclipse.jetty.server.Server").getEffectiveLevel());
        assertEquals(Level.WARN, context.getLogger("redis.clients.jedis.Connection").getEffectiveLevel());
    }

    @Test
    void anUnsetOrBlankLevelIsInfoAndAnUnknownOneDebugAsLogbackReadsIt() {
        assertEquals(Level.INFO, ConsoleLogging.level(null));
        assertEquals(Level.INFO, ConsoleLogging.level(" "));
        assertEquals(Level.WARN, ConsoleLogging.level("warn"));
        assertEquals(Level.DEBUG, ConsoleLogging.level("verbose"));
    }

    @Test
    void aLevelThatNamesNoLevelStopsTheStartNamingTheVariable() {
        Env unknown = new Env(Map.of("SSE_LOG_LEVEL", "verbose"));
        ConsoleLogging.checkLevel(unknown);
        ConfigException e = assertThrows(ConfigException.class, unknown::check);
        assertTrue(e.getMessage().contains("SSE_LOG_LEVEL"), e.getMessage());
        for (String level : List.of("debug", "WARN", " Error ", "off")) {
            Env known = new Env(Map.of("SSE_LOG_LEVEL", level));
            ConsoleLogging.checkLevel(known);
            known.check();
        }
    }

    @Test
    void aLogbackTestXmlOnTheClassPathWins() {
        // this module's tests have one: the configuration is left to it
        assertEquals(Configurator.ExecutionStatus.INVOKE_NEXT_IF_ANY, new ConsoleLogging().configure(new LoggerContext()));
    }
}
