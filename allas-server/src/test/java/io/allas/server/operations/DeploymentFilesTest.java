package io.allas.server.operations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.allas.testing.Exec;
import io.allas.testing.Scrape;
import io.allas.testing.SourceTree;
import io.allas.testing.TestRelay;

/**
 * The files under {@code deploy/}, checked with the tools that will read them: the systemd unit
 * with {@code systemd-analyze verify}, the alert rules with {@code promtool}, and the metric names
 * of the rules and the Grafana dashboard against what a running relay exports.
 */
class DeploymentFilesTest {

    private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(60);
    private static final Path DEPLOY = SourceTree.root().resolve("deploy");
    private static final Path RULES = DEPLOY.resolve("prometheus/allas-alerts.yml");
    private static final Path RULE_TESTS = DEPLOY.resolve("prometheus/allas-alerts.test.yml");
    private static final Path DASHBOARD = DEPLOY.resolve("prometheus/allas-dashboard.json");

    @TempDir
    Path directory;

    /**
     * {@code systemd-analyze verify} needs the program to exist: the unit's /opt/allas/allas is
     * pointed at the launcher in this tree, the file the installation copies there.
     */
    @Test
    void systemdUnitVerifies() throws Exception {
        String unit = Files.readString(DEPLOY.resolve("systemd/allas.service"));
        assertTrue(unit.contains("\nExecStart=/opt/allas/allas /etc/allas/allas.json\n"), unit);
        assertTrue(unit.contains("\nExecReload=/bin/kill -HUP $MAINPID\n"), unit);
        assertTrue(unit.contains("\nType=exec\n"), unit);
        Path launcher = SourceTree.serverModule().resolve("bin/allas");
        Path copy = directory.resolve("allas.service");
        Files.writeString(copy, unit.replace("/opt/allas/allas", launcher.toString()));
        Exec.Result result = Exec.run(List.of(tool("systemd-analyze", "systemd"), "verify", "--man=no",
                copy.toString()), directory, TOOL_TIMEOUT);
        assertEquals(0, result.exitCode(), result.output());
        // Unknown keys and bad values are warnings that leave the exit code at 0.
        assertEquals("", result.output().strip());
    }

    @Test
    void alertRulesPassPromtoolCheckAndTheirTests() {
        String promtool = tool("promtool", "prometheus");
        Exec.Result check = Exec.run(List.of(promtool, "check", "rules", RULES.toString()), directory, TOOL_TIMEOUT);
        assertEquals(0, check.exitCode(), check.output());
        Exec.Result tests = Exec.run(List.of(promtool, "test", "rules", RULE_TESTS.getFileName().toString()),
                RULE_TESTS.getParent(), TOOL_TIMEOUT);
        assertEquals(0, tests.exitCode(), tests.output());
        // A test per alert.
        Set<String> alerts = names(RULES, Pattern.compile("- alert: (\\w+)"));
        Set<String> tested = names(RULE_TESTS, Pattern.compile("alertname: (\\w+)"));
        assertEquals(alerts, tested);
    }

    @Test
    void everyMetricTheRulesAndTheDashboardUseExistsOnARunningRelay() throws Exception {
        Set<String> used = new TreeSet<>();
        used.addAll(names(RULES, Pattern.compile("\\b(allas_\\w+)")));
        used.addAll(names(DASHBOARD, Pattern.compile("\\b(allas_\\w+)")));
        assertTrue(used.size() > 10, used.toString());
        Set<String> exported = new TreeSet<>();
        try (TestRelay relay = TestRelay.builder().trust("app").prometheus().start()) {
            String body = Scrape.get(relay.httpPort(), "/metrics").body();
            for (String line : body.split("\n")) {
                if (!line.isEmpty() && !line.startsWith("#")) {
                    exported.add(line.split("[{ ]", 2)[0]);
                }
            }
        }
        Set<String> missing = new TreeSet<>(used);
        missing.removeAll(exported);
        assertEquals(Set.of(), missing, "exported: " + exported);
    }

    private static Set<String> names(Path file, Pattern pattern) throws java.io.UncheckedIOException {
        String text;
        try {
            text = Files.readString(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Set<String> names = new TreeSet<>();
        Matcher matcher = pattern.matcher(text);
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        return names;
    }

    private static String tool(String command, String debianPackage) {
        for (String directory : List.of("/usr/bin", "/usr/sbin", "/bin")) {
            if (Files.isExecutable(Path.of(directory, command))) {
                return Path.of(directory, command).toString();
            }
        }
        throw new AssertionError("this test runs " + command + ": install it (Debian: apt-get install "
                + debianPackage + "; .ci/run does)");
    }
}
