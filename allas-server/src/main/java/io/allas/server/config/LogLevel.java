package io.allas.server.config;

/** {@code log_level}: the least severe level of allas's own messages that is logged. */
public enum LogLevel {
    ERROR,
    WARNING,
    INFO,
    DEBUG
}
