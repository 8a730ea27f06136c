package io.allas.auth.scram;

import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.PSSParameterSpec;
import java.util.Locale;
import java.util.Optional;

import javax.net.ssl.SSLSession;

/**
 * The {@code tls-server-end-point} channel binding of RFC 5929 section 4.1: the hash of the
 * server's certificate, with the hash function of the certificate's signature algorithm, except
 * that MD5 and SHA-1 are replaced by SHA-256. PostgreSQL supports no other binding type.
 */
final class ChannelBinding {

    /** The one channel binding type PostgreSQL (and allas) supports. */
    static final String TYPE = "tls-server-end-point";

    private ChannelBinding() {
    }

    /**
     * @param session the client's TLS session
     * @return the binding data: the hash of the certificate allas presented; empty when there is
     *         none or its signature algorithm names no usable hash function (Ed25519, say), in
     *         which case channel binding cannot be offered
     */
    static Optional<byte[]> tlsServerEndPoint(SSLSession session) {
        Certificate[] certificates = session.getLocalCertificates();
        if (certificates == null || certificates.length == 0) {
            return Optional.empty();
        }
        return tlsServerEndPoint(certificates[0]);
    }

    /**
     * @param certificate the server's certificate
     * @return its tls-server-end-point hash, or empty when none can be computed
     */
    static Optional<byte[]> tlsServerEndPoint(Certificate certificate) {
        if (!(certificate instanceof X509Certificate x509)) {
            return Optional.empty();
        }
        Optional<String> digest = hashAlgorithm(x509);
        if (digest.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(MessageDigest.getInstance(digest.get()).digest(x509.getEncoded()));
        } catch (GeneralSecurityException e) {
            return Optional.empty();
        }
    }

    /**
     * @param certificate a certificate
     * @return the JDK name of the hash function its binding uses ({@code SHA-256}, {@code SHA-384} ...)
     */
    static Optional<String> hashAlgorithm(X509Certificate certificate) {
        String signature = certificate.getSigAlgName().toUpperCase(Locale.ROOT);
        String digest;
        if (signature.equals("RSASSA-PSS")) {
            Optional<String> pss = pssDigest(certificate.getSigAlgParams());
            if (pss.isEmpty()) {
                return Optional.empty();
            }
            digest = pss.get().toUpperCase(Locale.ROOT);
        } else {
            int with = signature.indexOf("WITH");
            if (with <= 0) {
                return Optional.empty(); // Ed25519, Ed448: no separate hash function
            }
            digest = signature.substring(0, with);
        }
        String normalized = switch (digest.replace("-", "")) {
            case "MD5", "SHA1", "SHA" -> "SHA-256"; // RFC 5929 4.1: MD5 and SHA-1 become SHA-256
            case "SHA224" -> "SHA-224";
            case "SHA256" -> "SHA-256";
            case "SHA384" -> "SHA-384";
            case "SHA512" -> "SHA-512";
            case "SHA512/224" -> "SHA-512/224";
            case "SHA512/256" -> "SHA-512/256";
            case "SHA3224" -> "SHA3-224";
            case "SHA3256" -> "SHA3-256";
            case "SHA3384" -> "SHA3-384";
            case "SHA3512" -> "SHA3-512";
            default -> null;
        };
        return Optional.ofNullable(normalized);
    }

    private static Optional<String> pssDigest(byte[] encodedParameters) {
        if (encodedParameters == null) {
            return Optional.of("SHA-1"); // RSASSA-PSS-params' default hashAlgorithm
        }
        try {
            AlgorithmParameters parameters = AlgorithmParameters.getInstance("RSASSA-PSS");
            parameters.init(encodedParameters);
            return Optional.of(parameters.getParameterSpec(PSSParameterSpec.class).getDigestAlgorithm());
        } catch (GeneralSecurityException | java.io.IOException e) {
            return Optional.empty();
        }
    }
}
