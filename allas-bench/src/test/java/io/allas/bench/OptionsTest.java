package io.allas.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class OptionsTest {

    @Test
    void aBareFlagIsOnWhetherAnotherOptionOrNothingFollows() {
        Options o = new Options(List.of("--reference", "--listeners", "3", "--verbose"));
        assertTrue(o.flag("reference"));
        assertEquals(3, o.intValue("listeners", 0));
        assertTrue(o.flag("verbose"));
        assertFalse(o.flag("absent"));
        o.checkAllRead();
    }

    @Test
    void aFlagTakesOnlyTrueOrFalse() {
        assertFalse(new Options(List.of("--reference", "false")).flag("reference"));
        assertThrows(Options.UsageException.class, () -> new Options(List.of("--reference", "yes")).flag("reference"));
    }
}
