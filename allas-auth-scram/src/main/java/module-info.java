/**
 * The {@code scram-sha-256} authentication method, as PostgreSQL's pg_hba.conf {@code scram-sha-256}.
 */
module io.allas.auth.scram {
    requires io.allas.auth.spi;
    provides io.allas.auth.spi.AuthMethodProvider with io.allas.auth.scram.ScramAuthProvider;
}
