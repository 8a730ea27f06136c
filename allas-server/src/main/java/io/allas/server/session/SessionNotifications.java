package io.allas.server.session;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;

import io.allas.server.protocol.SqlState;
import io.allas.server.relay.Notification;
import io.allas.server.relay.Relay;
import io.allas.server.sql.SqlError;

/**
 * The notifications one client sends. As in PostgreSQL, those sent inside a transaction are held
 * until it commits and dropped if it does not, identical ones (same channel and payload) are
 * folded into the first, and the statement or COMMIT is answered once the server has committed
 * them.
 */
final class SessionNotifications {

    /** PostgreSQL's NAMEDATALEN: a channel name must be shorter. */
    private static final int NAMEDATALEN = 64;
    /** PostgreSQL's NOTIFY_PAYLOAD_MAX_LENGTH: a payload must be shorter, in bytes. */
    private static final int NOTIFY_PAYLOAD_MAX_LENGTH = 8000;

    private final Relay relay;
    private final int clientPid;
    /** Held for the open transaction, in order, folded. */
    private final Set<Notification> pending = new LinkedHashSet<>();

    /**
     * @param clientPid the process ID the client was given in BackendKeyData, which its
     *                  notifications carry to their listeners
     */
    SessionNotifications(Relay relay, int clientPid) {
        this.relay = relay;
        this.clientPid = clientPid;
    }

    /**
     * Sends one statement's notifications now, or holds them until the transaction commits.
     * Refused at once, with PostgreSQL's words, when PostgreSQL would refuse one, so that a
     * transaction block fails at the statement as it would directly.
     *
     * @param inTransaction whether a transaction (a block, or a multi-statement query) is open
     */
    void notify(List<Notification> notifications, boolean inTransaction) throws SqlError {
        for (Notification notification : notifications) {
            check(notification);
        }
        if (inTransaction) {
            pending.addAll(notifications);
        } else {
            // Folded as within a transaction: the statement is one.
            send(List.copyOf(new LinkedHashSet<>(notifications)));
        }
    }

    /** Sends what the transaction held; returns once the server has committed it. */
    void commit() throws SqlError {
        if (pending.isEmpty()) {
            return;
        }
        List<Notification> held = new ArrayList<>(pending);
        pending.clear();
        send(held);
    }

    void rollback() {
        pending.clear();
    }

    private void send(List<Notification> notifications) throws SqlError {
        try {
            // The relay bounds the wait by the statement timeout.
            relay.notify(clientPid, notifications).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SqlError error) {
                throw error;
            }
            throw new SqlError(SqlState.INTERNAL_ERROR,
                    "could not NOTIFY upstream: " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SqlError(Termination.ADMIN_SHUTDOWN.sqlState(), Termination.ADMIN_SHUTDOWN.message());
        }
    }

    /** PostgreSQL's own checks (Async_Notify), in its order and words. */
    static void check(Notification notification) throws SqlError {
        if (notification.channel().isEmpty()) {
            throw new SqlError(SqlState.INVALID_PARAMETER_VALUE, "channel name cannot be empty");
        }
        if (notification.channel().getBytes(StandardCharsets.UTF_8).length >= NAMEDATALEN) {
            throw new SqlError(SqlState.INVALID_PARAMETER_VALUE, "channel name too long");
        }
        if (notification.payload().length() * 3 >= NOTIFY_PAYLOAD_MAX_LENGTH
                && notification.payload().getBytes(StandardCharsets.UTF_8).length >= NOTIFY_PAYLOAD_MAX_LENGTH) {
            throw new SqlError(SqlState.INVALID_PARAMETER_VALUE, "payload string too long");
        }
    }
}
