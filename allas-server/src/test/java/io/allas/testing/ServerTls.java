package io.allas.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * The TLS every throwaway server gets, so that tests can check allas against an upstream that demands TLS:
 * a CA made here, a certificate for localhost signed by it, and {@value #SCRIPT}, which the server's account
 * runs on the fresh data directory to install the pair and let {@value #TLS_ONLY_ROLE} connect over TLS only
 * (everyone else either way). One script for the cluster and the container, so both are set up alike.
 *
 * @param ca          the CA that signed the server's certificate
 * @param certificate the server's certificate
 * @param key         its private key
 * @param script      the set-up script
 */
record ServerTls(Path ca, Path certificate, Path key, Path script) {

    /** The role that may connect over TLS only, for tests of an upstream that demands TLS and SCRAM. */
    static final String TLS_ONLY_ROLE = "tls_only";
    static final String SCRIPT = "server-tls.sh";

    /** Makes the CA, the server's certificate and key, and a copy of the script, in the directory. */
    static ServerTls issue(Path directory) {
        TestCertificates certificates = TestCertificates.authority(directory);
        TestCertificates.Pair server = certificates.issue("server", "localhost", TestCertificates.KeyForm.PKCS8_RSA);
        Path script = directory.resolve(SCRIPT);
        try (InputStream in = ServerTls.class.getResourceAsStream(SCRIPT)) {
            if (in == null) {
                throw new IllegalStateException(SCRIPT + " is missing from the test class path beside " + ServerTls.class);
            }
            Files.copy(in, script);
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + script, e);
        }
        return new ServerTls(certificates.ca(), server.certificate(), server.key(), script);
    }

    /**
     * The script's environment besides PGDATA.
     *
     * @param directorySeenByServer where the server's account finds the certificate and key: this
     *                              directory for a local cluster, the copy's directory in a container
     */
    Map<String, String> scriptEnvironment(String directorySeenByServer) {
        return Map.of("ALLAS_TLS_DIR", directorySeenByServer, "ALLAS_TLS_ONLY_ROLE", TLS_ONLY_ROLE);
    }
}
