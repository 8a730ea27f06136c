/**
 * The {@code md5} authentication method, as PostgreSQL's pg_hba.conf {@code md5}.
 */
module io.allas.auth.md5 {
    requires io.allas.auth.spi;
    provides io.allas.auth.spi.AuthMethodProvider with io.allas.auth.md5.Md5AuthProvider;
}
