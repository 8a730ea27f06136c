package io.allas.server.config;

import static io.allas.server.config.Fallback.byDefault;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The declared configuration keys: each once, well formed, its default a value of its own type,
 * and the key tree derived from them is the original allas's layout.
 */
@Tag("unit")
class ConfigReferenceTest {

    static Stream<Declaration> declarations() {
        return ConfigReference.DECLARATIONS.stream();
    }

    static Stream<Option<?>> options() {
        return declarations().filter(d -> d instanceof Option<?>).map(d -> (Option<?>) d);
    }

    @Test
    void eachKeyIsDeclaredOnce() {
        Set<String> keys = new HashSet<>();
        for (Declaration declaration : ConfigReference.DECLARATIONS) {
            assertTrue(keys.add(declaration.key()), declaration.key() + " is declared twice");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("declarations")
    void aKeyIsLowerCaseWordsJoinedByUnderscoresWithLevelsJoinedByDots(Declaration declaration) {
        assertTrue(declaration.key().matches("[a-z]+(_[a-z]+)*(\\[i])?(\\.[a-z]+(_[a-z]+)*(\\[i])?)*"),
                declaration.key());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("declarations")
    void itsDocIsOneLine(Declaration declaration) {
        assertFalse(declaration.doc().isBlank(), declaration.key());
        assertFalse(declaration.doc().contains("\n"), declaration.key());
        assertFalse(declaration.doc().endsWith("."), declaration.key());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("options")
    void aDurationIsWrittenInMillisecondsAndItsKeySaysSo(Option<?> option) {
        assertEquals(option.key().endsWith("_ms"), option.type() instanceof ValueType.Milliseconds, option.key());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("options")
    void aDefaultValueIsOneTheOptionAcceptsAsWritten(Option<?> option) throws InvalidValueException {
        assertDefaultReadsBack(option);
    }

    private static <T> void assertDefaultReadsBack(Option<T> option) throws InvalidValueException {
        if (option.fallback() instanceof Fallback.Value<T> value) {
            assertEquals(value.value(), option.type().parse(option.type().format(value.value())), option.key());
        }
    }

    @Test
    void theDocumentedDefaultIsTheValueInBackquotesOrWhatAbsenceMeans() {
        assertEquals("`60000`", Limits.STARTUP_TIMEOUT.documentedDefault());
        assertEquals("`info`", AllasConfig.LOG_LEVEL.documentedDefault());
        assertEquals("`true`", ListenOptions.CLIENTS.keepalive().documentedDefault());
        assertEquals("required", DatabaseConfig.NAME.documentedDefault());
        assertEquals("required", DatabaseConfig.DATABASES.documentedDefault());
        assertEquals("off", AllasConfig.PROMETHEUS.documentedDefault());
        assertEquals("none", TlsSettings.CA.documentedDefault());
    }

    @Test
    void theSectionsAreThoseOfTheOriginalAllas() {
        assertEquals(Set.of("listen", "connect", "startup_parameters", "prometheus", "databases", "plugin_directory",
                        "notification_queue", "upstream", "limits", "log_level", "admin"),
                ConfigReference.TREE.names());
    }

    @Test
    void theClientListenerHasTlsAndTheMetricsListenerHasNot() {
        KeyTree listen = ConfigReference.TREE.child("listen");
        assertEquals(Set.of("port", "host", "keepalive", "tls", "proxy_protocol"), listen.names());
        assertEquals(Set.of("certificate", "key", "ca", "mode"), listen.child("tls").names());
        assertEquals(Set.of("port", "host", "keepalive"),
                ConfigReference.TREE.child("prometheus").child("listen").names());
    }

    @Test
    void databasesIsAListOfObjectsWhoseAuthIsOpenToItsPlugin() {
        KeyTree databases = ConfigReference.TREE.child("databases");
        assertEquals(KeyTree.Kind.LIST, databases.kind());
        assertEquals(Set.of("name", "auth", "connect", "channels", "channel_prefix"), databases.element().names());
        assertEquals(KeyTree.Kind.OPEN, databases.element().child("auth").kind());
        assertNull(databases.element().child("auth").child("method"), "method is one of the open object's keys");
        assertEquals(KeyTree.Kind.OPEN, ConfigReference.TREE.child("startup_parameters").kind());
    }

    @Test
    void aKeyInsideAnOpenObjectMayBeDeclaredBeforeOrAfterIt() {
        Option<String> method = new Option<>("auth.method", ValueType.text(), byDefault("trust"), "the method");
        Structure auth = new Structure("auth", Structure.Shape.OPEN_OBJECT, Fallback.absent("none"), "settings");
        assertEquals(KeyTree.of(List.of(auth, method)), KeyTree.of(List.of(method, auth)));
        assertEquals(KeyTree.Kind.OPEN, KeyTree.of(List.of(method, auth)).child("auth").kind());
    }

    @Test
    void declarationsThatDisagreeOnWhatAKeyHoldsAreRefused() {
        Option<String> value = new Option<>("a", ValueType.text(), byDefault(""), "a value");
        Option<String> below = new Option<>("a.b", ValueType.text(), byDefault(""), "a value below it");
        assertThrows(IllegalArgumentException.class, () -> KeyTree.of(List.of(value, below)));
        assertThrows(IllegalArgumentException.class, () -> KeyTree.of(List.of(below, value)));
    }
}
