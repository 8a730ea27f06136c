package io.allas.server.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The {@code listen.tls} section.
 *
 * @param certificate the server certificate chain, PEM
 * @param key         its private key, PEM (PKCS#8, or the RSA / EC forms openssl writes)
 * @param ca          CA certificates, PEM, to ask for and verify client certificates; empty for none
 * @param mode        whether clients may, or must, use TLS
 */
public record TlsSettings(Path certificate, Path key, Optional<Path> ca, Mode mode) {

    /** {@code listen.tls.mode}. */
    public enum Mode {
        /** Answer SSLRequest with N, as the original allas did. */
        DISABLE,
        /** TLS for the clients that ask for it, clear text for the rest. */
        ALLOW,
        /** Clients must use TLS. */
        REQUIRE
    }
}
