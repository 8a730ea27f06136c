package io.allas.server.catalog;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import io.allas.server.config.Upstream;
import io.allas.server.protocol.SqlState;
import io.allas.server.relay.UpstreamTarget;
import io.allas.server.sql.SqlError;
import io.allas.server.sql.Statement;

/**
 * Answers catalog queries from PostgreSQL, once: identical queries with identical parameters and
 * result formats share one execution while it runs (single flight) and its result afterwards,
 * until the time to live passes or {@link #forgetAll()} (the relay reconnected: the catalog may
 * have changed meanwhile). The catalog connection is opened on the first query and closed when
 * it has been idle for a while; queries take turns on it, so a slow one delays other catalog
 * queries, never notifications (those travel on the relay's own connection and thread).
 */
public final class CatalogQueries implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(CatalogQueries.class.getName());

    /** The most one result may hold: a catalog query is small, a runaway one must not fill the heap. */
    static final int MAX_RESULT_BYTES = 16 * 1024 * 1024;
    /** The largest result kept after its execution (a driver's type map is a few KB to a few hundred). */
    private static final int MAX_KEPT_RESULT_BYTES = 256 * 1024;
    /**
     * The most results kept: distinct parameter values must not grow the cache without end. With
     * the size above, the cache holds 64 MiB at most.
     */
    private static final int MAX_CACHED = 256;

    /** What a Parse needs: the query's description, by its text and declared parameter types. */
    private record DescribeKey(String sql, List<Integer> parameterTypes) {
    }

    /** What an Execute needs: the result, by everything that shapes it. */
    private record ExecuteKey(String sql, List<Integer> parameterTypes, List<Short> parameterFormats,
                              List<ByteBuffer> parameters, List<Short> resultFormats) {
    }

    /** A result, or the one execution under way that will produce it. */
    private record Entry(CompletableFuture<Object> result, long createdNanos, long generation) {
    }

    /** Work on the catalog connection. */
    @FunctionalInterface
    private interface Work<T> {
        T run(CatalogConnection connection) throws IOException, CatalogConnection.ServerError;
    }

    private final UpstreamTarget target;
    private final Upstream settings;
    private final ScheduledExecutorService timers;
    private final Map<Object, Entry> cache = new ConcurrentHashMap<>();
    private final ReentrantLock connectionLock = new ReentrantLock();
    private volatile long generation;
    private CatalogConnection connection;
    private long connectionGeneration;
    private long lastUsedNanos;
    private boolean idleCheckScheduled;
    private boolean closed;

    /**
     * @param target   the upstream server, as the relay reaches it
     * @param settings the statement timeout, the cache's time to live, the idle timeout
     * @param timers   runs the idle check
     */
    public CatalogQueries(UpstreamTarget target, Upstream settings, ScheduledExecutorService timers) {
        this.target = target;
        this.settings = settings;
        this.timers = timers;
    }

    /**
     * @return the query's parameter types and columns, as PostgreSQL describes them
     * @throws SqlError PostgreSQL's error, or that the server could not be reached
     */
    public Description describe(Statement.CatalogQuery query) throws SqlError {
        return cached(new DescribeKey(query.sql(), query.parameterTypes()),
                connection -> connection.describe(query.sql(), query.parameterTypes()));
    }

    /**
     * @param parameterFormats the parameters' formats, as the client's Bind gave them
     * @param parameters       the parameters' values, null for NULL
     * @param resultFormats    the result formats the client asked for in Bind
     * @return the query's result, as PostgreSQL sent it
     * @throws SqlError PostgreSQL's error, or that the server could not be reached
     */
    public Execution execute(Statement.CatalogQuery query, List<Short> parameterFormats, List<byte[]> parameters,
                             List<Short> resultFormats) throws SqlError {
        List<ByteBuffer> values = new ArrayList<>(parameters.size());
        parameters.forEach(value -> values.add(value == null ? null : ByteBuffer.wrap(value)));
        return cached(new ExecuteKey(query.sql(), query.parameterTypes(), List.copyOf(parameterFormats), values,
                List.copyOf(resultFormats)), connection -> connection.execute(query, parameterFormats, parameters, resultFormats));
    }

    /**
     * Forgets every result: the relay (re)connected, and the catalog may have changed meanwhile
     * (CREATE EXTENSION, a new type). The catalog connection is closed too; it may be dead.
     */
    public void forgetAll() {
        // Called on the relay's thread, which must not wait for a catalog query: the connection
        // is replaced by the next query that finds it from an older generation.
        generation++;
        cache.clear();
    }

    @SuppressWarnings("unchecked")
    private <T> T cached(Object key, Work<T> work) throws SqlError {
        long now = System.nanoTime();
        CompletableFuture<Object> mine = new CompletableFuture<>();
        Entry fresh = new Entry(mine, now, generation);
        Entry entry = cache.compute(key, (k, existing) -> existing == null || stale(existing, now) ? fresh : existing);
        if (entry != fresh) {
            try {
                return (T) entry.result().get();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof SqlError error) {
                    throw new SqlError(error.sqlState(), error.getMessage());
                }
                throw new IllegalStateException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SqlError("57014", "canceling statement: allas is stopping");
            }
        }
        try {
            T value = onConnection(work);
            mine.complete(value);
            if (settings.catalogCacheTtl().isZero() || !roomFor(key)
                    || (value instanceof Execution execution && execution.dataRows().length > MAX_KEPT_RESULT_BYTES)) {
                cache.remove(key, fresh);
            }
            return value;
        } catch (SqlError | RuntimeException e) {
            // Errors are not kept: a timeout or a lost connection may not happen again.
            cache.remove(key, fresh);
            mine.completeExceptionally(e);
            throw e;
        } finally {
            if (!mine.isDone()) {
                // An Error: those waiting for this execution must not wait for ever, nor the next ones.
                cache.remove(key, fresh);
                mine.completeExceptionally(new SqlError(SqlState.INTERNAL_ERROR, "the catalog query failed inside allas"));
            }
        }
    }

    private boolean stale(Entry entry, long now) {
        return entry.generation() != generation || (entry.result().isDone()
                && now - entry.createdNanos() > settings.catalogCacheTtl().toNanos());
    }

    /** Drops stale results when the cache is full; false when it is full of fresh ones. */
    private boolean roomFor(Object key) {
        if (cache.size() <= MAX_CACHED) {
            return true;
        }
        long now = System.nanoTime();
        cache.entrySet().removeIf(e -> !e.getKey().equals(key) && stale(e.getValue(), now));
        return cache.size() <= MAX_CACHED;
    }

    private <T> T onConnection(Work<T> work) throws SqlError {
        connectionLock.lock();
        try {
            if (closed) {
                throw new SqlError("57P01", "terminating catalog query: allas is stopping");
            }
            if (connection != null && connectionGeneration != generation) {
                closeConnection();
            }
            if (connection != null) {
                try {
                    return work.run(connection);
                } catch (CatalogConnection.ServerError e) {
                    throw new SqlError(e.sqlState(), e.getMessage());
                } catch (IOException e) {
                    // A connection that was idle may have been closed by the server meanwhile
                    // (idle_session_timeout, a restart): once, on a new one.
                    LOG.log(System.Logger.Level.DEBUG, "catalog connection failed, opening another: {0}", e.getMessage());
                    closeConnection();
                }
            }
            if (connection == null) {
                connectionGeneration = generation;
                try {
                    connection = CatalogConnection.open(target, settings.catalogStatementTimeout(), MAX_RESULT_BYTES);
                } catch (SQLException | IOException e) {
                    throw new SqlError("08001", "allas could not connect to the server for a catalog query: " + e.getMessage());
                }
                LOG.log(System.Logger.Level.DEBUG, "catalog connection to {0} opened", target);
                scheduleIdleCheck(settings.catalogIdleTimeout().toNanos());
            }
            try {
                return work.run(connection);
            } catch (CatalogConnection.ServerError e) {
                throw new SqlError(e.sqlState(), e.getMessage());
            } catch (IOException e) {
                closeConnection();
                throw new SqlError("08006", "allas lost its catalog connection to the server: " + e.getMessage());
            }
        } finally {
            lastUsedNanos = System.nanoTime();
            connectionLock.unlock();
        }
    }

    private void scheduleIdleCheck(long delayNanos) {
        if (!idleCheckScheduled) {
            idleCheckScheduled = true;
            timers.schedule(this::closeIfIdle, delayNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** On the timer thread, which must not wait for a catalog query to end. */
    private void closeIfIdle() {
        if (!connectionLock.tryLock()) {
            timers.schedule(this::closeIfIdle, settings.catalogIdleTimeout().toNanos(), TimeUnit.NANOSECONDS);
            return;
        }
        try {
            idleCheckScheduled = false;
            if (connection == null) {
                return;
            }
            long idle = System.nanoTime() - lastUsedNanos;
            long timeout = settings.catalogIdleTimeout().toNanos();
            if (idle >= timeout) {
                closeConnection();
                LOG.log(System.Logger.Level.DEBUG, "catalog connection closed after {0} idle",
                        Duration.ofNanos(idle));
            } else {
                scheduleIdleCheck(timeout - idle);
            }
        } finally {
            connectionLock.unlock();
        }
    }

    /**
     * @return whether the catalog connection is open now
     */
    public boolean isOpen() {
        connectionLock.lock();
        try {
            return connection != null;
        } finally {
            connectionLock.unlock();
        }
    }

    private void closeConnection() {
        if (connection != null) {
            connection.close();
            connection = null;
        }
    }

    @Override
    public void close() {
        connectionLock.lock();
        try {
            closed = true;
            closeConnection();
        } finally {
            connectionLock.unlock();
        }
    }
}
