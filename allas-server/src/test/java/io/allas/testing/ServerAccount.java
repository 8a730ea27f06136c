package io.allas.testing;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The OS account that runs initdb, pg_ctl and the server. PostgreSQL refuses to start as root, and CI
 * here runs as root, so in that case the server commands are wrapped to run as an unprivileged account
 * (by default the "postgres" user that Debian's packages create) and the files the server writes are
 * handed to that account.
 */
final class ServerAccount {

    private final String name;            // null: the current user, no wrapping
    private final List<String> wrapper;   // command prefix that switches to the account
    private final UserPrincipal principal;

    private ServerAccount(String name, List<String> wrapper, UserPrincipal principal) {
        this.name = name;
        this.wrapper = wrapper;
        this.principal = principal;
    }

    static ServerAccount detect() {
        if (!runningAsRoot()) {
            return new ServerAccount(null, List.of(), null);
        }
        String account = Settings.current().get(Settings.PG_OS_USER).orElse("postgres");
        UserPrincipal principal;
        try {
            principal = FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName(account);
        } catch (UserPrincipalNotFoundException e) {
            throw new IllegalStateException("The tests run as root, and PostgreSQL refuses to run as root, but the OS user '"
                    + account + "' to run it as does not exist. Create it (useradd --system " + account
                    + "), name another one with " + Settings.PG_OS_USER + ", or point " + Settings.PG_URL
                    + " at a running server.", e);
        } catch (IOException e) {
            throw new IllegalStateException("could not look up OS user " + account, e);
        }
        return new ServerAccount(account, switchUserPrefix(account), principal);
    }

    private static boolean runningAsRoot() {
        if ("root".equals(System.getProperty("user.name"))) {
            return true;
        }
        try {
            // user.name comes from the passwd entry; the uid of our own process is the real test.
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    private static List<String> switchUserPrefix(String account) {
        Optional<Path> runuser = findTool("runuser");
        if (runuser.isPresent()) {
            return List.of(runuser.get().toString(), "-u", account, "--");
        }
        Optional<Path> setpriv = findTool("setpriv");
        if (setpriv.isPresent()) {
            return List.of(setpriv.get().toString(), "--reuid=" + account, "--regid=" + account, "--init-groups", "--");
        }
        Optional<Path> su = findTool("su");
        if (su.isPresent()) {
            // su takes a shell command line; "$0" "$@" passes our arguments through without re-quoting, and
            // "--" keeps su from parsing the server's options (-D ...) as its own.
            return List.of(su.get().toString(), "-s", "/bin/sh", "-c", "exec \"$0\" \"$@\"", "--", account);
        }
        throw new IllegalStateException("The tests run as root and PostgreSQL must run as '" + account
                + "', but none of runuser, setpriv or su was found to switch to that user.");
    }

    private static Optional<Path> findTool(String tool) {
        // /usr/sbin is often missing from PATH in non-login shells and CI runners.
        for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin")) {
            Path candidate = Path.of(dir, tool);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Exec.onPath(tool);
    }

    boolean switches() {
        return name != null;
    }

    /** The command line that runs {@code command} as this account. */
    List<String> command(List<String> command) {
        List<String> full = new ArrayList<>(wrapper);
        full.addAll(command);
        return full;
    }

    /** Makes {@code path} owned by this account (no-op when no switch is needed). */
    void own(Path path) throws IOException {
        if (principal != null) {
            Files.setOwner(path, principal);
        }
    }

    String describe() {
        return switches() ? "as OS user " + name : "as " + System.getProperty("user.name");
    }

    String name() {
        return name != null ? name : System.getProperty("user.name");
    }
}
