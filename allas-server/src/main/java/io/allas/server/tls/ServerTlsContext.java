package io.allas.server.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

import io.helidon.common.configurable.Resource;
import io.helidon.common.pki.Keys;
import io.helidon.common.pki.PemReader;
import io.allas.server.config.ConfigException;
import io.allas.server.config.TlsSettings;

/**
 * The server side of client TLS: the certificate and key from PEM files, TLS 1.2 and 1.3 only,
 * and a new SSLEngine per connection. When the files change on disk (cert-manager and certbot
 * rotate them in place) the next connection gets the new pair; a bad new pair is logged and the
 * old one kept, so connected clients and new ones never notice a botched rotation.
 */
public final class ServerTlsContext {

    private static final System.Logger LOG = System.getLogger(ServerTlsContext.class.getName());
    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
    /** What PostgreSQL requires of direct TLS, and offers otherwise. */
    public static final String ALPN_POSTGRESQL = "postgresql";

    /**
     * @return the TLS versions clients may negotiate, as the JDK names them ({@code TLSv1.3} ...)
     */
    public static List<String> protocols() {
        return List.of(PROTOCOLS);
    }

    private record Loaded(SSLContext context, FileTime certificateTime, FileTime keyTime) {
    }

    private final TlsSettings settings;
    private final AtomicReference<Loaded> current;

    private ServerTlsContext(TlsSettings settings, Loaded loaded) {
        this.settings = settings;
        this.current = new AtomicReference<>(loaded);
    }

    /**
     * @param settings the {@code listen.tls} section
     * @return the context
     * @throws ConfigException naming the key whose file is missing, unreadable or does not fit
     */
    public static ServerTlsContext load(TlsSettings settings) throws ConfigException {
        return new ServerTlsContext(settings, read(settings));
    }

    public TlsSettings.Mode mode() {
        return settings.mode();
    }

    /**
     * @return a server engine for one connection, from the newest good certificate and key
     */
    public SSLEngine newEngine() {
        reloadIfChanged();
        SSLEngine engine = current.get().context().createSSLEngine();
        engine.setUseClientMode(false);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setProtocols(PROTOCOLS);
        parameters.setApplicationProtocols(new String[] {ALPN_POSTGRESQL});
        if (settings.ca().isPresent()) {
            parameters.setNeedClientAuth(true);
        }
        engine.setSSLParameters(parameters);
        return engine;
    }

    private void reloadIfChanged() {
        Loaded loaded = current.get();
        try {
            if (Files.getLastModifiedTime(settings.certificate()).equals(loaded.certificateTime())
                    && Files.getLastModifiedTime(settings.key()).equals(loaded.keyTime())) {
                return;
            }
        } catch (IOException e) {
            // A file missing for a moment mid-rotation: keep serving with what we have.
            return;
        }
        try {
            Loaded fresh = read(settings);
            if (current.compareAndSet(loaded, fresh)) {
                LOG.log(System.Logger.Level.INFO, "loaded the new TLS certificate {0}", shown(settings.certificate()));
            }
        } catch (ConfigException e) {
            LOG.log(System.Logger.Level.WARNING, "keeping the previous TLS certificate: {0}", e.getMessage());
            // Do not retry on every connection until the files change again.
            current.compareAndSet(loaded, new Loaded(loaded.context(), timeOrNull(settings.certificate()),
                    timeOrNull(settings.key())));
        }
    }

    private static FileTime timeOrNull(Path path) {
        try {
            return Files.getLastModifiedTime(path);
        } catch (IOException e) {
            return null;
        }
    }

    private static Loaded read(TlsSettings settings) throws ConfigException {
        FileTime certificateTime = readableTime(settings.certificate(), "listen.tls.certificate");
        FileTime keyTime = readableTime(settings.key(), "listen.tls.key");
        List<X509Certificate> chain = certificates(settings.certificate(), "listen.tls.certificate");
        PrivateKey key;
        try {
            String text = Files.readString(settings.key());
            key = text.contains(Sec1EcKey.HEADER) ? Sec1EcKey.read(text) : Keys.builder().pem(pem -> pem.key(Resource.create(settings.key()))).build().privateKey()
                    .orElseThrow(() -> new ConfigException("invalid value for option \"listen.tls.key\": \""
                            + shown(settings.key()) + "\" holds no private key"));
        } catch (RuntimeException | IOException | GeneralSecurityException e) {
            throw new ConfigException("invalid value for option \"listen.tls.key\": \"" + shown(settings.key())
                    + "\" is not a PEM private key (" + e.getMessage() + ")", e);
        }
        requireMatch(key, chain.getFirst());
        try {
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(null, null);
            keyStore.setKeyEntry("allas", key, new char[0], chain.toArray(X509Certificate[]::new));
            KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(keyStore, new char[0]);
            TrustManagerFactory trustManagers = null;
            Optional<Path> ca = settings.ca();
            if (ca.isPresent()) {
                readableTime(ca.get(), "listen.tls.ca");
                KeyStore trustStore = KeyStore.getInstance("PKCS12");
                trustStore.load(null, null);
                int i = 0;
                for (X509Certificate certificate : certificates(ca.get(), "listen.tls.ca")) {
                    trustStore.setCertificateEntry("ca-" + i++, certificate);
                }
                trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                trustManagers.init(trustStore);
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers.getKeyManagers(), trustManagers == null ? null : trustManagers.getTrustManagers(),
                    new SecureRandom());
            return new Loaded(context, certificateTime, keyTime);
        } catch (GeneralSecurityException | IOException e) {
            throw new ConfigException("cannot set up TLS from \"listen.tls\": " + e.getMessage(), e);
        }
    }

    private static FileTime readableTime(Path path, String option) throws ConfigException {
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new ConfigException("invalid value for option \"" + option + "\": \"" + shown(path)
                    + "\" does not exist or is not readable");
        }
        try {
            return Files.getLastModifiedTime(path);
        } catch (IOException e) {
            throw new ConfigException("invalid value for option \"" + option + "\": " + e.getMessage(), e);
        }
    }

    private static List<X509Certificate> certificates(Path path, String option) throws ConfigException {
        try (InputStream in = Files.newInputStream(path)) {
            List<X509Certificate> certificates = PemReader.readCertificates(in);
            if (certificates.isEmpty()) {
                throw new ConfigException("invalid value for option \"" + option + "\": \"" + shown(path) + "\" holds no certificate");
            }
            return certificates;
        } catch (IOException | RuntimeException e) {
            throw new ConfigException("invalid value for option \"" + option + "\": \"" + shown(path)
                    + "\" is not a PEM certificate (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Relative paths in the configuration are resolved against its directory, which leaves
     * {@code /etc/allas/../tls/tls.crt}; messages name the file plainly. Only messages: a lexical
     * normalisation can differ from what the OS opens when a directory on the way is a symlink.
     */
    private static Path shown(Path path) {
        return path.normalize();
    }

    /**
     * A key that does not belong to the certificate would fail every handshake: refuse it at once.
     */
    private static void requireMatch(PrivateKey key, X509Certificate certificate) throws ConfigException {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (algorithm == null) {
            return;
        }
        try {
            byte[] probe = new byte[32];
            new SecureRandom().nextBytes(probe);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            if (verifier.verify(signature)) {
                return;
            }
        } catch (GeneralSecurityException e) {
            // Falls through: a key of another kind than the certificate's does not match either.
        }
        throw new ConfigException("invalid value for option \"listen.tls.key\": the key does not match the certificate");
    }
}
