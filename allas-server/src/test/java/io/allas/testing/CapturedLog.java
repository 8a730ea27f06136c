package io.allas.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * The lines allas logs while a test runs in the same JVM, as an operator reads them: its own
 * loggers ({@code io.allas}) through java.util.logging. Close it to stop capturing.
 */
public final class CapturedLog extends Handler implements AutoCloseable {

    private static final Logger ALLAS = Logger.getLogger("io.allas");

    private final SimpleFormatter formatter = new SimpleFormatter();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final List<String> lines = new ArrayList<>();

    private CapturedLog() {
    }

    /** Starts capturing. */
    public static CapturedLog start() {
        CapturedLog log = new CapturedLog();
        ALLAS.addHandler(log);
        return log;
    }

    @Override
    public void publish(LogRecord record) {
        String line = record.getLevel() + " " + formatter.formatMessage(record);
        lock.lock();
        try {
            lines.add(line);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits for a line that contains every one of {@code parts}; a line is logged after the event
     * it tells of, which the test may have seen first.
     *
     * @return the line
     */
    public String awaitLine(Duration timeout, String... parts) throws InterruptedException {
        long remaining = timeout.toNanos();
        lock.lock();
        try {
            while (true) {
                for (String line : lines) {
                    if (List.of(parts).stream().allMatch(line::contains)) {
                        return line;
                    }
                }
                if (remaining <= 0) {
                    throw new AssertionError("no line with " + List.of(parts) + " within " + timeout + " among " + lines);
                }
                remaining = changed.awaitNanos(remaining);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * @return the lines that contain every one of {@code parts}, captured so far
     */
    public List<String> linesWith(String... parts) {
        lock.lock();
        try {
            return lines.stream().filter(line -> List.of(parts).stream().allMatch(line::contains)).toList();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        ALLAS.removeHandler(this);
    }
}
