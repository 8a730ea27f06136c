package io.allas.testing;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A throwaway PostgreSQL cluster of the test's own beside the shared server, for what needs two
 * servers (an upstream per database on separate servers, one of them stopped). It is made from
 * the local server binaries the shared server would use ({@code ALLAS_TEST_PG_BIN}, the system's,
 * the zonky bundle); an existing server or a container gives none, and then {@link #start()}
 * fails saying so. It never skips.
 */
public final class SecondServer implements AutoCloseable {

    private final TestPostgres server;

    private SecondServer(TestPostgres server) {
        this.server = server;
    }

    /** Makes and starts the cluster; returns once it accepts connections. */
    public static SecondServer start() {
        Settings settings = Settings.current();
        Optional<PostgresBinaries> binaries = settings.get(Settings.PG_BIN).map(dir -> PostgresBinaries.in(Path.of(dir)))
                .or(PostgresBinaries::system)
                .or(ZonkyBinaries::unpack);
        return new SecondServer(TestPostgres.throwaway(binaries.orElseThrow(() -> new IllegalStateException(
                "a second PostgreSQL server needs local server binaries: the system's (apt-get install postgresql), "
                        + Settings.PG_BIN + " or the zonky bundle; an existing server (" + Settings.PG_URL
                        + ") or a container gives none"))));
    }

    public TestPostgres server() {
        return server;
    }

    @Override
    public void close() {
        server.destroy();
    }
}
