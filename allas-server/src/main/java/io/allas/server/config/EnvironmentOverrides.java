package io.allas.server.config;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Maps {@code ALLAS_*} environment variables onto configuration keys, so that containers can set
 * any key, secrets included, without editing the file: {@code ALLAS_LISTEN_PORT} sets
 * {@code listen.port}, {@code ALLAS_DATABASES_0_AUTH_PASSWORD} sets
 * {@code databases[0].auth.password}.
 *
 * <p>Underscores separate levels but also occur inside key names ({@code startup_parameters}),
 * so names are matched against the declared keys ({@link ConfigReference#TREE}) rather than split
 * blindly. Below {@code startup_parameters} and {@code auth}, whose keys are open-ended, the rest
 * of the name is the key, in lower case (ParameterStatus names that PostgreSQL spells in mixed
 * case, such as {@code DateStyle}, get PostgreSQL's spelling). Variables without the prefix are
 * never looked at.
 */
public final class EnvironmentOverrides {

    /** The prefix of the variables read. */
    public static final String PREFIX = "ALLAS_";

    /**
     * {@code ALLAS_} variables that are not configuration, so not worth a warning: the launcher
     * {@code bin/allas} reads {@code ALLAS_JAVA_OPTS}.
     */
    static final Set<String> NOT_CONFIGURATION = Set.of("ALLAS_JAVA_OPTS");

    private static final List<String> MIXED_CASE_PARAMETERS = List.of("DateStyle", "IntervalStyle", "TimeZone");

    /** Helidon's keys (list indexes as plain levels) and their values. */
    private final Map<String, String> values;
    /** The keys as errors name them ({@code databases[0].auth.password}) and the variables that set them. */
    private final Map<String, String> variables;

    private EnvironmentOverrides(Map<String, String> values, Map<String, String> variables) {
        this.values = Map.copyOf(values);
        this.variables = Map.copyOf(variables);
    }

    /**
     * @param environment the process environment (or a test's)
     * @param warnings    receives one line for each {@code ALLAS_} variable that names no key
     * @return the overrides
     */
    public static EnvironmentOverrides read(Map<String, String> environment, List<String> warnings) {
        Map<String, String> values = new HashMap<>();
        Map<String, String> variables = new HashMap<>();
        environment.forEach((name, value) -> {
            if (!name.startsWith(PREFIX) || name.length() == PREFIX.length() || NOT_CONFIGURATION.contains(name)) {
                return;
            }
            List<String> words = List.of(name.substring(PREFIX.length()).toLowerCase(Locale.ROOT).split("_", -1));
            // An empty level (ALLAS_LISTEN__PORT, a trailing _) names nothing, whatever follows.
            Optional<Key> key = words.contains("") ? Optional.empty() : match(ConfigReference.TREE, words);
            if (key.isEmpty()) {
                warnings.add("ignoring environment variable " + name + ": it names no configuration option");
            } else {
                values.put(key.get().configKey(), value);
                variables.put(key.get().optionKey(), name);
            }
        });
        return new EnvironmentOverrides(values, variables);
    }

    /**
     * @return configuration keys (dot-separated, list indexes as numbers) and their values
     */
    public Map<String, String> values() {
        return values;
    }

    /**
     * @param optionKey a key as errors name it, such as {@code databases[0].auth.password}
     * @return the variable that set it; empty when the file did
     */
    public Optional<String> variableSetting(String optionKey) {
        return Optional.ofNullable(variables.get(optionKey));
    }

    /**
     * A key both ways it is written.
     *
     * @param configKey the key as Helidon addresses it: {@code databases.0.auth.password}
     * @param optionKey the key as errors name it: {@code databases[0].auth.password}
     */
    private record Key(String configKey, String optionKey) {
        /** The end of a name that named a value. */
        static final Key END = new Key("", "");

        static Key open(String name) {
            return new Key(name, name);
        }

        Key under(String name) {
            return new Key(join(name, configKey), optionKey.startsWith("[") ? name + optionKey : join(name, optionKey));
        }

        Key atIndex(int index) {
            return new Key(join(String.valueOf(index), configKey), join("[" + index + "]", optionKey));
        }

        private static String join(String head, String tail) {
            return tail.isEmpty() ? head : head + "." + tail;
        }
    }

    /**
     * @param node  where the words are matched
     * @param words the rest of the variable name, in lower case, split at underscores
     * @return the key below {@code node} that the words name; empty when they name none
     */
    private static Optional<Key> match(KeyTree node, List<String> words) {
        if (words.isEmpty()) {
            return node.kind() == KeyTree.Kind.VALUE ? Optional.of(Key.END) : Optional.empty();
        }
        return switch (node.kind()) {
            case VALUE -> Optional.empty();
            case OPEN -> Optional.of(Key.open(openKey(String.join("_", words))));
            case LIST -> matchElement(node, words);
            case OBJECT -> matchChild(node, words);
        };
    }

    /** Tries every split point: key names may themselves contain underscores. */
    private static Optional<Key> matchChild(KeyTree node, List<String> words) {
        for (int end = 1; end <= words.size(); end++) {
            String name = String.join("_", words.subList(0, end));
            KeyTree child = node.child(name);
            if (child != null) {
                Optional<Key> tail = match(child, words.subList(end, words.size()));
                if (tail.isPresent()) {
                    return tail.map(key -> key.under(name));
                }
            }
        }
        return Optional.empty();
    }

    /** An index of at most nine digits, so that it is an int. */
    private static Optional<Key> matchElement(KeyTree list, List<String> words) {
        if (!words.getFirst().matches("[0-9]{1,9}")) {
            return Optional.empty();
        }
        int index = Integer.parseInt(words.getFirst());
        return match(list.element(), words.subList(1, words.size())).map(key -> key.atIndex(index));
    }

    private static String openKey(String lowerCase) {
        for (String name : MIXED_CASE_PARAMETERS) {
            if (name.toLowerCase(Locale.ROOT).equals(lowerCase)) {
                return name;
            }
        }
        return lowerCase;
    }
}
