package io.allas.server.session;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.random.RandomGenerator;

/**
 * The client sessions alive now: for the connection limit, for metrics (clients per database,
 * the fullest notification queue), and to end them all at shutdown.
 */
public final class SessionRegistry {

    private final Set<ClientSession> sessions = ConcurrentHashMap.newKeySet();
    /** Kept as a count, not by walking the sessions: every new connection asks. */
    private final AtomicInteger unauthenticated = new AtomicInteger();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private volatile boolean closing;
    /** Numbers sessions for the admin console, from 1, never reused while allas runs. */
    private final AtomicLong ids = new AtomicLong();
    /**
     * Linux gives no process an ID above 2^22 (PID_MAX_LIMIT), other systems far less: a client's
     * is then never a real backend's, whose notifications a client filtering on its own ID would drop.
     */
    static final int ABOVE_ANY_PROCESS_ID = 1 << 22;
    private final RandomGenerator random;
    /** The process IDs the connected clients were given: no two share one. */
    private final Set<Integer> processIds = ConcurrentHashMap.newKeySet();

    public SessionRegistry() {
        this(new SecureRandom());
    }

    /**
     * @param random draws the clients' process IDs
     */
    SessionRegistry(RandomGenerator random) {
        this.random = random;
    }

    /**
     * @return whether allas is shutting down, so new clients are to be turned away
     */
    boolean isClosing() {
        return closing;
    }

    /**
     * @return the session's id
     */
    long add(ClientSession session) {
        unauthenticated.incrementAndGet();
        sessions.add(session);
        return ids.incrementAndGet();
    }

    /** The session authenticated: called once, before {@link ClientSession#database()} is set. */
    void authenticated(ClientSession session) {
        unauthenticated.decrementAndGet();
    }

    /**
     * @return a process ID for the session's BackendKeyData: unguessable, no other connected
     *         client's, and no real backend's; given back when the session ends
     */
    int assignProcessId() {
        int processId;
        do {
            processId = random.nextInt(ABOVE_ANY_PROCESS_ID + 1, Integer.MAX_VALUE);
        } while (!processIds.add(processId));
        return processId;
    }

    /** The session that was given the process ID ended, or never began. */
    void releaseProcessId(int processId) {
        processIds.remove(processId);
    }

    void remove(ClientSession session) {
        if (sessions.remove(session) && session.database() == null) {
            unauthenticated.decrementAndGet();
        }
        if (session.processId() != 0) {
            releaseProcessId(session.processId());
        }
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until every session has ended, or the time is up.
     *
     * @return whether every session ended
     */
    public boolean awaitEmpty(Duration timeout) throws InterruptedException {
        long remaining = timeout.toNanos();
        lock.lock();
        try {
            while (!sessions.isEmpty() && remaining > 0) {
                remaining = changed.awaitNanos(remaining);
            }
            return sessions.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    /**
     * @return client connections open now, authenticated or not
     */
    public int size() {
        return sessions.size();
    }

    /**
     * @return connections that have not finished authenticating
     */
    public int unauthenticated() {
        return unauthenticated.get();
    }

    /**
     * @return authenticated clients by database
     */
    public Map<String, Integer> clientsPerDatabase() {
        Map<String, Integer> counts = new TreeMap<>();
        for (ClientSession session : sessions) {
            String database = session.database();
            if (database != null) {
                counts.merge(database, 1, Integer::sum);
            }
        }
        return counts;
    }

    /**
     * @return how full the fullest client notification queue is, from 0 to 1
     */
    public double fullestQueueRatio() {
        double fullest = 0;
        for (ClientSession session : sessions) {
            fullest = Math.max(fullest, session.queueRatio());
        }
        return fullest;
    }

    /**
     * Ends every session with a FATAL error, as at shutdown.
     */
    public void terminateAll(Termination reason) {
        closing = true;
        for (ClientSession session : sessions) {
            session.terminate(reason);
        }
    }

    /**
     * Ends every session of these databases with a FATAL error, as when their upstream
     * connection is lost; new sessions are still accepted. Sessions still authenticating have
     * no database yet: they wait for their upstream once authenticated.
     *
     * @return how many sessions were told
     */
    public int terminateClientsOf(Set<String> databases, Termination reason) {
        int told = 0;
        for (ClientSession session : sessions) {
            String database = session.database();
            if (database != null && databases.contains(database)) {
                session.terminate(reason);
                told++;
            }
        }
        return told;
    }

    /**
     * @return authenticated clients of these databases
     */
    public int clientsOf(Set<String> databases) {
        int count = 0;
        for (ClientSession session : sessions) {
            String database = session.database();
            if (database != null && databases.contains(database)) {
                count++;
            }
        }
        return count;
    }

    /**
     * @return every session alive now, by id, as the admin console shows them
     */
    public List<ClientInfo> clients() {
        return sessions.stream().map(ClientSession::info).sorted(Comparator.comparingLong(ClientInfo::id)).toList();
    }

    /**
     * Ends one session with a FATAL error, as the admin console's KILL CLIENT.
     *
     * @return whether a session of that id was alive
     */
    public boolean terminate(long id, Termination reason) {
        for (ClientSession session : sessions) {
            if (session.id() == id) {
                session.terminate(reason);
                return true;
            }
        }
        return false;
    }
}
