/**
 * The authentication plugin interface of allas. Depends on nothing but the JDK.
 */
module io.allas.auth.spi {
    exports io.allas.auth.spi;
}
