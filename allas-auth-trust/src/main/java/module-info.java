/**
 * The {@code trust} authentication method: no exchange, as in PostgreSQL's pg_hba.conf.
 */
module io.allas.auth.trust {
    requires io.allas.auth.spi;
    provides io.allas.auth.spi.AuthMethodProvider with io.allas.auth.trust.TrustAuthProvider;
}
