/**
 * The module descriptor, for allas on the module path ({@code java -p ... -m io.allas.server/...}).
 */
module com.example.allas.token {
    requires io.allas.auth.spi;
    provides io.allas.auth.spi.AuthMethodProvider with com.example.allas.token.TokenAuthProvider;
}
