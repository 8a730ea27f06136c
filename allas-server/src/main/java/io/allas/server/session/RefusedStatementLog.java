package io.allas.server.session;

import java.time.Duration;
import java.util.function.LongSupplier;

import io.allas.server.log.LogText;
import io.allas.server.sql.SqlError;

/**
 * One client's refused statements: each is counted ({@link SessionEvents#statementRefused}) and
 * logged, but a client that keeps sending what allas refuses must not flood the log. The first
 * {@value #LOGGED_IN_FULL} are logged, then at most one per {@link #INTERVAL}; a logged line says
 * how many were left out since the one before, and so does a last line when the session ends.
 */
final class RefusedStatementLog {

    static final int LOGGED_IN_FULL = 5;
    static final Duration INTERVAL = Duration.ofMinutes(1);
    /** Enough to recognise a statement; a client's megabyte query is not copied into the log. */
    static final int MAX_STATEMENT_CHARS = 200;

    private static final System.Logger LOG = System.getLogger(RefusedStatementLog.class.getName());

    private final String client;
    private final SessionEvents events;
    private final LongSupplier nanoClock;
    private int logged;
    private long lastLoggedNanos;
    private long leftOut;

    /**
     * @param client    the client as log lines name it (peer, database, user, application_name),
     *                  escaped already
     * @param events    hears every refusal
     * @param nanoClock {@link System#nanoTime}, or a test's clock
     */
    RefusedStatementLog(String client, SessionEvents events, LongSupplier nanoClock) {
        this.client = client;
        this.events = events;
        this.nanoClock = nanoClock;
    }

    /**
     * @param error what the client is told
     * @param sql   the statement's text, or empty when the message named no statement
     */
    void refused(SqlError error, String sql) {
        events.statementRefused(error.sqlState());
        long now = nanoClock.getAsLong();
        if (logged >= LOGGED_IN_FULL && now - lastLoggedNanos < INTERVAL.toNanos()) {
            leftOut++;
            return;
        }
        logged++;
        lastLoggedNanos = now;
        LOG.log(System.Logger.Level.INFO, "statement refused ({0}): {1} {2}; statement: {3}{4}", client,
                error.sqlState(), LogText.escape(error.getMessage(), MAX_STATEMENT_CHARS),
                LogText.escape(sql, MAX_STATEMENT_CHARS),
                leftOut == 0 ? "" : " (" + leftOut + " more refused since the previous line, not logged)");
        leftOut = 0;
    }

    /** The session ended: the refusals not logged yet are not forgotten. */
    void sessionEnded() {
        if (leftOut > 0) {
            LOG.log(System.Logger.Level.INFO, "statements refused ({0}): {1} more since the previous line, not logged",
                    client, String.valueOf(leftOut));
            leftOut = 0;
        }
    }
}
