package io.allas.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A certificate authority and server certificates made at test time with openssl, as an operator
 * would make them, in each key form openssl writes.
 */
public final class TestCertificates {

    /** The private key forms allas must read. */
    public enum KeyForm {
        /** "BEGIN PRIVATE KEY". */
        PKCS8_RSA,
        /** "BEGIN RSA PRIVATE KEY". */
        PKCS1_RSA,
        /** "BEGIN EC PRIVATE KEY". */
        SEC1_EC
    }

    private final Path directory;

    private TestCertificates(Path directory) {
        this.directory = directory;
    }

    /**
     * Makes a CA in the directory.
     */
    public static TestCertificates authority(Path directory) {
        TestCertificates certificates = new TestCertificates(directory);
        certificates.openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
                "-days", "2", "-subj", "/CN=allas test CA");
        return certificates;
    }

    public Path ca() {
        return directory.resolve("ca.crt");
    }

    /**
     * Issues a certificate for localhost and 127.0.0.1.
     *
     * @param name the file name stem
     * @param commonName the subject CN, to tell certificates apart
     * @param form the key form
     * @return the certificate and key files
     */
    public Pair issue(String name, String commonName, KeyForm form) {
        String key = name + ".key";
        switch (form) {
            case PKCS8_RSA -> openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key);
            case PKCS1_RSA -> openssl("genrsa", "-traditional", "-out", key, "2048");
            case SEC1_EC -> openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key);
        }
        write(name + ".ext", "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
        openssl("req", "-new", "-key", key, "-out", name + ".csr", "-subj", "/CN=" + commonName);
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", name + ".crt", "-days", "2", "-extfile", name + ".ext");
        return new Pair(directory.resolve(name + ".crt"), directory.resolve(key));
    }

    /**
     * A certificate file and its key file.
     *
     * @param certificate the certificate
     * @param key         the key
     */
    public record Pair(Path certificate, Path key) {
    }

    private void write(String name, String content) {
        try {
            Files.writeString(directory.resolve(name), content);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void openssl(String... arguments) {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(arguments));
        try {
            Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
            process.getOutputStream().close();
            String output = new String(process.getInputStream().readAllBytes());
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("openssl failed: " + command + "\n" + output);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run openssl (install the openssl package): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * @return the subject of the certificate a TLS server on the port presents after a PostgreSQL
     *         SSLRequest, as openssl s_client sees it
     */
    public static String servedSubject(int port) {
        try {
            Process process = new ProcessBuilder("openssl", "s_client", "-starttls", "postgres", "-connect",
                    "127.0.0.1:" + port, "-servername", "localhost").redirectErrorStream(true).start();
            process.getOutputStream().close();
            String output = new String(process.getInputStream().readAllBytes());
            process.waitFor(30, TimeUnit.SECONDS);
            for (String line : output.split("\n")) {
                if (line.startsWith("subject=")) {
                    return line.substring("subject=".length()).strip();
                }
            }
            throw new IllegalStateException("openssl s_client showed no certificate:\n" + output);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
