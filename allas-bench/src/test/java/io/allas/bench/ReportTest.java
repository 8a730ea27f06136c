package io.allas.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {

    @Test
    void aParameterThatDiffersBetweenTargetsIsShownForEach(@TempDir Path dir) throws Exception {
        Path results = dir.resolve("results.txt");
        Files.writeString(results, """
                RESULT scenario=fanout case=paced label=relay ok=true param.N=1000 param.M=16500 param.rate=3315857 p50_ms=12.5
                RESULT scenario=fanout case=paced label=postgres ok=true param.N=1000 param.M=4200 param.rate=846923 p50_ms=18.6
                """);
        String table = Report.render(results, null);
        assertTrue(table.contains("| paced (N=1000, M=16500/4200, rate=3315857/846923) | p50_ms | 12.5 | 18.6 |"), table);
    }
}
