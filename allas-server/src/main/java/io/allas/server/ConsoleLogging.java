package io.allas.server;

import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

import io.allas.server.config.LogLevel;

/**
 * allas's logging: one line per event on standard error, through {@code java.util.logging}.
 * The program and the demo set it up alike, so that what the demo shows is what production logs.
 */
public final class ConsoleLogging {

    private static final String FORMAT_PROPERTY = "java.util.logging.SimpleFormatter.format";
    /** {@code 2026-11-30T17:54:14.123 INFO io.allas.server.Main: message}, then the stack trace if any. */
    private static final String FORMAT = "%1$tFT%1$tT.%1$tL %4$s %3$s: %5$s%6$s%n";
    /** Held so that the level set on it is not lost: JUL keeps loggers only weakly. */
    private static final Logger ALLAS_LOGGER = Logger.getLogger("io.allas");

    private ConsoleLogging() {
    }

    /**
     * Sets the line format, unless {@code -Djava.util.logging.SimpleFormatter.format} gives another.
     * Call it before anything logs.
     */
    public static void install() {
        if (System.getProperty(FORMAT_PROPERTY) == null) {
            System.setProperty(FORMAT_PROPERTY, FORMAT);
        }
        // A SimpleFormatter reads the format when it is made. In a JVM whose logging started earlier
        // (the demo runs inside Maven's), the console handler's formatter predates the property.
        for (Handler handler : Logger.getLogger("").getHandlers()) {
            if (handler instanceof ConsoleHandler && handler.getFormatter().getClass() == SimpleFormatter.class) {
                handler.setFormatter(new SimpleFormatter());
            }
        }
    }

    /**
     * Sets the level of allas's own loggers and of the console handler; a logging.properties given
     * with -Djava.util.logging.config.file still configures everything else.
     *
     * @param logLevel the configuration's {@code log_level}
     */
    public static void setLevel(LogLevel logLevel) {
        Level level = switch (logLevel) {
            case ERROR -> Level.SEVERE;
            case WARNING -> Level.WARNING;
            case INFO -> Level.INFO;
            case DEBUG -> Level.FINE;
        };
        ALLAS_LOGGER.setLevel(level);
        for (Handler handler : Logger.getLogger("").getHandlers()) {
            if (handler.getLevel().intValue() > level.intValue()) {
                handler.setLevel(level);
            }
        }
    }
}
