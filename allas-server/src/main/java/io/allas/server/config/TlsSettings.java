package io.allas.server.config;

import static io.allas.server.config.Fallback.absent;
import static io.allas.server.config.Fallback.byDefault;
import static io.allas.server.config.Fallback.required;
import static io.allas.server.config.ValueType.oneOf;
import static io.allas.server.config.ValueType.path;

import java.nio.file.Path;
import java.util.List;
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

    static final Structure SECTION = new Structure("listen.tls", Structure.Shape.SECTION, absent("off"),
            "TLS for clients; the section's presence turns it on");
    static final Option<Path> CERTIFICATE = new Option<>("listen.tls.certificate", path(), required(),
            "the server certificate chain, PEM");
    static final Option<Path> KEY = new Option<>("listen.tls.key", path(), required(),
            "the certificate's private key, PEM");
    static final Option<Path> CA = new Option<>("listen.tls.ca", path(), absent("none"),
            "CA certificates, PEM, to ask for and verify client certificates");
    static final Option<Mode> MODE = new Option<>("listen.tls.mode", oneOf(Mode.class), byDefault(Mode.ALLOW),
            "whether clients may, or must, use TLS");

    static final List<Declaration> DECLARATIONS = List.of(SECTION, CERTIFICATE, KEY, CA, MODE);

    /**
     * @param root            the root section
     * @param configDirectory where relative paths start
     * @return the settings; empty without a {@code listen.tls} section
     */
    static Optional<TlsSettings> read(ConfigSection root, Path configDirectory) throws ConfigException {
        Optional<ConfigSection> section = root.find(SECTION);
        if (section.isEmpty()) {
            return Optional.empty();
        }
        ConfigSection tls = section.get();
        return Optional.of(new TlsSettings(configDirectory.resolve(tls.get(CERTIFICATE)),
                configDirectory.resolve(tls.get(KEY)), tls.find(CA).map(configDirectory::resolve), tls.get(MODE)));
    }
}
