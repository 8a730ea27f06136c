package io.allas.demo;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.allas.testing.RelayProcess;
import io.allas.testing.TestPostgres;

/**
 * The demo as a newcomer runs it, in a JVM of its own, in front of the tests' PostgreSQL.
 */
class DemoIT {

    /** A production log line: {@code 2026-11-30T17:54:14.123 INFO io.allas...: message}. */
    private static final String LOG_LINE = "(?m)^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO ";

    @Test
    void theDemoLogsAsProductionDoesAndLeavesNoConfigurationBehind() throws Exception {
        List<String> command = List.of(RelayProcess.java(), "-cp", System.getProperty("java.class.path"),
                Demo.class.getName());
        try (RelayProcess demo = RelayProcess.run(Map.of("ALLAS_TEST_PG_URL", TestPostgres.shared().url()), command)) {
            demo.awaitOutput("Press Ctrl-C", Duration.ofSeconds(60));
            Matcher configuration = Pattern.compile("configuration: (\\S+)").matcher(demo.output());
            assertTrue(configuration.find(), demo.output());
            Path file = Path.of(configuration.group(1));
            assertTrue(Files.readString(file).contains(TestPostgres.shared().password()),
                    "the demo's allas.json holds the upstream password, so it must not outlive the demo");

            demo.signalTerm();
            demo.waitForExit(Duration.ofSeconds(30));
            assertFalse(Files.exists(file.getParent()), file.getParent() + " is left behind");
            String output = demo.output();
            assertTrue(Pattern.compile(LOG_LINE + "io\\.allas\\.demo\\.Demo: using PostgreSQL ").matcher(output).find(), output);
            assertTrue(Pattern.compile(LOG_LINE + "io\\.allas\\.server\\.relay\\.RelayService: connected to the upstream server")
                    .matcher(output).find(), output);
            assertFalse(output.contains("[allas tests]"), output);
        }
    }
}
