package io.allas.testing;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A primary and its streaming-replication standby, two throwaway clusters of the test's own
 * (not the shared server): the standby is made with {@code pg_basebackup -R} and can be promoted
 * with {@code pg_ctl promote}, as an operator fails over.
 *
 * <p>Only local server binaries that include pg_basebackup can make the pair: those of
 * {@code ALLAS_TEST_PG_BIN} when they do, else the system's. The zonky bundle has no
 * pg_basebackup, and an existing server or a container gives the tests no binaries at all, so with
 * those sources the pair comes from the system's binaries, and without them it cannot be made:
 * {@link #start()} then fails saying what it needs, as the tests that restart the server fail
 * against an existing one. It never skips.
 */
public final class ReplicationPair implements AutoCloseable {

    private final TestPostgres primary;
    private final TestPostgres standby;

    private ReplicationPair(TestPostgres primary, TestPostgres standby) {
        this.primary = primary;
        this.standby = standby;
    }

    /** Makes and starts both; returns once the standby accepts (read-only) connections. */
    public static ReplicationPair start() {
        TestPostgres primary = TestPostgres.throwaway(binaries());
        try {
            return new ReplicationPair(primary, primary.standby());
        } catch (RuntimeException e) {
            primary.destroy();
            throw e;
        }
    }

    private static PostgresBinaries binaries() {
        Settings settings = Settings.current();
        Optional<PostgresBinaries> chosen = settings.get(Settings.PG_BIN).map(dir -> PostgresBinaries.in(Path.of(dir)))
                .filter(binaries -> binaries.pgBasebackup().isPresent());
        return chosen.or(() -> PostgresBinaries.system().filter(binaries -> binaries.pgBasebackup().isPresent()))
                .orElseThrow(() -> new IllegalStateException("a primary with a streaming standby needs local PostgreSQL "
                        + "server binaries that include pg_basebackup: the system's (apt-get install postgresql) or "
                        + Settings.PG_BIN + "; the zonky bundle has none, and an existing server (" + Settings.PG_URL
                        + ") or a container cannot be made into a pair"));
    }

    public TestPostgres primary() {
        return primary;
    }

    public TestPostgres standby() {
        return standby;
    }

    /**
     * @return a libpq connection string naming both servers, primary first, for a client that
     *         must reach whichever of them accepts writes
     */
    public String libpqConnectString() {
        return "host=" + primary.host() + "," + standby.host() + " port=" + primary.port() + "," + standby.port()
                + " user=" + primary.user() + " password=" + primary.password() + " dbname=" + primary.database()
                + " sslmode=disable target_session_attrs=read-write";
    }

    @Override
    public void close() {
        standby.destroy();
        primary.destroy();
    }
}
