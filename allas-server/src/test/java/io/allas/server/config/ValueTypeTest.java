package io.allas.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What each type of option accepts, and why it refuses the rest (the loader puts the reason after
 * the option's name).
 */
@Tag("unit")
class ValueTypeTest {

    private static String reason(ValueType<?> type, String text) {
        return assertThrows(InvalidValueException.class, () -> type.parse(text)).getMessage();
    }

    @ParameterizedTest
    @ValueSource(strings = {"6433", " 6433 ", "6433.0", "6.433e3"})
    void anIntegerMayBeWrittenAnyWayJsonWritesAWholeNumber(String text) throws InvalidValueException {
        assertEquals(6433, ValueType.integer(0, 65535).parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"sixty", "6433.5", "", "99999999999"})
    void anythingElseIsNotAnInteger(String text) {
        assertEquals("input must be an integer", reason(ValueType.integer(0, 65535), text));
    }

    @Test
    void anIntegerOutsideItsRangeSaysTheRange() {
        assertEquals("70000 is outside the range 0 to 65535", reason(ValueType.integer(0, 65535), "70000"));
    }

    @Test
    void aDurationIsWholeMillisecondsWithTheIntegersRules() throws InvalidValueException {
        ValueType<Duration> type = ValueType.milliseconds(100, 60_000);
        assertEquals(Duration.ofMillis(1500), type.parse("1500"));
        assertEquals("10 is outside the range 100 to 60000", reason(type, "10"));
        assertEquals("input must be an integer", reason(type, "1.5s"));
        assertEquals("1500", type.format(Duration.ofMillis(1500)));
    }

    @Test
    void aFlagIsTrueOrFalseInLowerCase() throws InvalidValueException {
        assertEquals(true, ValueType.flag().parse("true"));
        assertEquals(false, ValueType.flag().parse("false"));
        assertEquals("input must be a boolean", reason(ValueType.flag(), "yes"));
        assertEquals("input must be a boolean", reason(ValueType.flag(), "TRUE"));
    }

    @Test
    void oneOfAFewWordsListsThemWhenTheWordIsAnother() throws InvalidValueException {
        ValueType<TlsSettings.Mode> type = ValueType.oneOf(TlsSettings.Mode.class);
        assertEquals(TlsSettings.Mode.REQUIRE, type.parse("require"));
        assertEquals("require", type.format(TlsSettings.Mode.REQUIRE));
        assertEquals("\"REQUIRE\" (one of disable, allow, require)", reason(type, "REQUIRE"));
    }

    @Test
    void textIsTakenAsWrittenAndAHostMayNotBeEmpty() throws InvalidValueException {
        assertEquals(" ${HOME} ", ValueType.text().parse(" ${HOME} "));
        assertEquals("", ValueType.text().parse(""));
        assertEquals("must not be empty", reason(ValueType.nonEmptyText(), ""));
    }

    @ParameterizedTest
    @CsvSource({"tls.crt, tls.crt", "/etc/allas/tls.crt, /etc/allas/tls.crt"})
    void aPathIsKeptAsWrittenForTheLoaderToResolve(String text, String expected) throws InvalidValueException {
        assertEquals(Path.of(expected), ValueType.path().parse(text));
    }
}
