package io.sserouter.config;

import ch.qos.logback.classic.ClassicConstants;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * Both deployables' logging, set up in code (found by logback as a service): one line per event on standard output,
 * the product's own loggers at {@code SSE_LOG_LEVEL} (default {@code INFO}), everything else at {@code WARN}. Reading
 * a {@code logback.xml} instead loads an XML parser and logback's configuration model, which cost a restarted
 * instance about a third of a second before it could do anything else. A file given with
 * {@code -Dlogback.configurationFile}, or a {@code logback-test.xml} on the class path, still wins.
 */
public final class ConsoleLogging extends ContextAwareBase implements Configurator {
    static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSX} %-5level [%thread] %logger{30} - %msg%n";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty(ClassicConstants.CONFIG_FILE_PROPERTY) != null
                || getClass().getClassLoader().getResource(ClassicConstants.TEST_AUTOCONFIG_FILE) != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        apply(context, System.getenv("SSE_LOG_LEVEL"));
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    static void apply(LoggerContext context, String productLevel) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        ConsoleAppender<ILoggingEvent> out = new ConsoleAppender<>();
        out.setContext(context);
        out.setName("OUT");
        out.setEncoder(encoder);
        out.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
        root.addAppender(out);
        context.getLogger("io.sserouter").setLevel(level(productLevel));
        context.getLogger("org.apache.kafka").setLevel(Level.WARN);
        // every skipped record is already dead-lettered with its reason and counted in metrics
        context.getLogger("org.apache.kafka.streams.processor.internals.RecordDeserializer").setLevel(Level.ERROR);
        context.getLogger("org.eclipse.jetty").setLevel(Level.ERROR);
    }

    /** Unset or blank is {@code INFO}; a name logback does not know is {@code DEBUG}, as in a logback.xml. */
    static Level level(String value) {
        return value == null || value.isBlank() ? Level.INFO : Level.toLevel(value.trim());
    }

    /**
     * Reports a {@code SSE_LOG_LEVEL} that names no level with the deployable's other settings, which stops it at start:
     * logging is set up before any setting is read, and would otherwise take such a name for {@code DEBUG}.
     */
    public static void checkLevel(Env env) {
        env.matching("SSE_LOG_LEVEL", "INFO", value -> LEVELS.contains(value.trim().toUpperCase(java.util.Locale.ROOT)),
                "one of " + String.join(", ", LEVELS) + " (any case)");
    }

    private static final java.util.List<String> LEVELS = java.util.List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF");
}
