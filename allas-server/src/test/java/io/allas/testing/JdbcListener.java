package io.allas.testing;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * A pgjdbc connection used as an application uses it to listen: LISTEN, then collect
 * notifications with {@code getNotifications(timeout)}.
 */
public final class JdbcListener implements AutoCloseable {

    private final Connection connection;
    private final List<PGNotification> received = new ArrayList<>();

    public JdbcListener(Connection connection) {
        this.connection = connection;
    }

    public Connection connection() {
        return connection;
    }

    /**
     * Runs statements (LISTEN, UNLISTEN ...) one by one.
     */
    public JdbcListener execute(String... sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            for (String each : sql) {
                statement.execute(each);
            }
        }
        return this;
    }

    /**
     * Waits until {@code count} notifications in all have arrived, or the time is up.
     *
     * @return everything received so far
     */
    public List<PGNotification> await(int count, Duration timeout) throws SQLException {
        long deadline = System.nanoTime() + timeout.toNanos();
        PGConnection pg = connection.unwrap(PGConnection.class);
        while (received.size() < count) {
            long remainingMillis = (deadline - System.nanoTime()) / 1_000_000;
            if (remainingMillis <= 0) {
                break;
            }
            PGNotification[] batch = pg.getNotifications((int) Math.min(remainingMillis, 500));
            if (batch != null) {
                received.addAll(List.of(batch));
            }
        }
        return List.copyOf(received);
    }

    /**
     * Collects whatever arrives within the time: for asserting that nothing (more) arrives.
     */
    public List<PGNotification> collectFor(Duration duration) throws SQLException {
        return await(Integer.MAX_VALUE, duration);
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
