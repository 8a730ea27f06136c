package io.allas.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * README.md's configuration reference lists the declared keys, in their order, with their
 * defaults: the table is the operator's view of {@link ConfigReference}.
 */
@Tag("unit")
class ReadmeReferenceTest {

    /** Tests run in the module's directory; the README is the repository's. */
    private static final Path README = Path.of("../README.md");
    private static final String SECTION = "## Configuration reference";
    private static final String HEADER = "| key | meaning | default |";
    /** {@code | `key` | meaning | default |}: the meaning may hold anything but the default no bar. */
    private static final Pattern ROW = Pattern.compile("\\| `([^`]+)` \\| (.*) \\| ([^|]*) \\|");

    private record Row(String key, String meaning, String defaultValue) {
        String keyAndDefault() {
            return "`" + key + "` ... " + defaultValue;
        }
    }

    @Test
    void theTableListsEveryDeclaredKeyInOrderWithItsDefault() throws IOException {
        List<String> documented = table().stream().map(Row::keyAndDefault).toList();
        List<String> declared = ConfigReference.DECLARATIONS.stream()
                .map(d -> new Row(d.key(), d.doc(), d.documentedDefault()).keyAndDefault())
                .toList();
        assertEquals(String.join("\n", declared), String.join("\n", documented),
                "README.md's configuration reference (key and default columns) must match the declarations");
    }

    @Test
    void everyRowSaysWhatItsKeyMeans() throws IOException {
        for (Row row : table()) {
            assertFalse(row.meaning().isBlank(), row.key());
        }
    }

    private static List<Row> table() throws IOException {
        List<String> lines = Files.readAllLines(README);
        int at = lines.indexOf(SECTION);
        while (at >= 0 && at < lines.size() && !lines.get(at).equals(HEADER)) {
            at++;
        }
        if (at < 0 || at >= lines.size()) {
            throw new AssertionError(README + " has no table \"" + HEADER + "\" under \"" + SECTION + "\"");
        }
        List<Row> rows = new ArrayList<>();
        for (String line : lines.subList(at + 2, lines.size())) {
            if (!line.startsWith("|")) {
                break;
            }
            Matcher row = ROW.matcher(line);
            if (!row.matches()) {
                throw new AssertionError("not a row of the configuration reference: " + line);
            }
            rows.add(new Row(row.group(1), row.group(2), row.group(3)));
        }
        return rows;
    }
}
