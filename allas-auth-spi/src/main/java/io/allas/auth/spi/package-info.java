/**
 * The interface between allas and its authentication methods.
 *
 * <p>A plugin implements {@link io.allas.auth.spi.AuthMethodProvider} (found with
 * {@link java.util.ServiceLoader}), which turns a database's {@code auth} configuration into an
 * {@link io.allas.auth.spi.AuthMethod}; that conducts the exchange with each client through an
 * {@link io.allas.auth.spi.AuthExchange} and reports an {@link io.allas.auth.spi.AuthResult}.
 * The package depends on nothing but the JDK.
 */
package io.allas.auth.spi;
