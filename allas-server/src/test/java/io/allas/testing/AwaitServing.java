package io.allas.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;

/**
 * Connecting to a relay that has just started, or whose upstream has just come back: it refuses
 * clients with 57A01 until its upstream connection is up, so retry on that answer alone.
 */
public final class AwaitServing {

    private AwaitServing() {
    }

    /**
     * @param connect  opens a connection
     * @param deadline how long to keep trying
     * @return the connection
     * @throws SQLException any other failure, or 57A01 once the deadline has passed
     */
    public static <T> T connect(SqlSupplier<T> connect, Duration deadline) throws SQLException {
        long end = System.nanoTime() + deadline.toNanos();
        while (true) {
            try {
                return connect.get();
            } catch (SQLException e) {
                if (!"57A01".equals(e.getSQLState()) || System.nanoTime() > end) {
                    throw e;
                }
            }
        }
    }

    /**
     * pgjdbc to a relay on localhost.
     */
    public static Connection pgjdbc(int port, String database, Properties properties, Duration deadline) throws SQLException {
        return connect(() -> DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database, properties),
                deadline);
    }

    /** A supplier that may throw SQLException. */
    @FunctionalInterface
    public interface SqlSupplier<T> {
        T get() throws SQLException;
    }
}
