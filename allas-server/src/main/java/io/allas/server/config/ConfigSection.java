package io.allas.server.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.helidon.config.Config;

/**
 * One JSON object of the configuration, read against its declared keys. Options are read when
 * asked for, so errors surface in the order the loader asks, one at a time; a section that is not
 * written reads as all defaults.
 */
final class ConfigSection {

    private final Config node;
    private final String path;
    private final String declaredKey;
    private final KeyTree shape;
    private final EnvironmentOverrides overrides;

    private ConfigSection(Config node, String path, String declaredKey, KeyTree shape, EnvironmentOverrides overrides) {
        this.node = node;
        this.path = path;
        this.declaredKey = declaredKey;
        this.shape = shape;
        this.overrides = overrides;
    }

    /**
     * @param root      the whole configuration
     * @param overrides the environment overrides applied to it, to name them in errors
     * @return the root section
     * @throws ConfigException when the configuration is not an object or has an unknown section
     */
    static ConfigSection root(Config root, EnvironmentOverrides overrides) throws ConfigException {
        if (root.type() != Config.Type.OBJECT) {
            throw new ConfigException("configuration must be a JSON object");
        }
        for (Config section : children(root)) {
            if (ConfigReference.TREE.child(section.name()) == null) {
                throw new ConfigException("unrecognized configuration section \"" + section.name() + "\"");
            }
        }
        return new ConfigSection(root, "", "", ConfigReference.TREE, overrides);
    }

    /**
     * @param option an option declared inside this section, at any depth
     * @return its value, or its default
     * @throws ConfigException when the value does not fit, or a required option is missing
     */
    <T> T get(Option<T> option) throws ConfigException {
        Config value = locate(option.key());
        if (!value.exists()) {
            return switch (option.fallback()) {
                case Fallback.Value<T> fallback -> fallback.value();
                case Fallback.Required<T> required -> throw missing(pathOf(option.key()));
                case Fallback.Absent<T> absent -> throw new IllegalArgumentException(
                        option.key() + " has no default value: find it instead");
            };
        }
        return parse(option, value);
    }

    /**
     * @param option an option declared inside this section, at any depth
     * @return its value; empty when it is not written
     * @throws ConfigException when the value does not fit
     */
    <T> Optional<T> find(Option<T> option) throws ConfigException {
        Config value = locate(option.key());
        return value.exists() ? Optional.of(parse(option, value)) : Optional.empty();
    }

    /**
     * @param structure a section or open object declared inside this section
     * @return it; empty when it is not written
     * @throws ConfigException when it is not an object, or has a key it does not declare
     */
    Optional<ConfigSection> find(Structure structure) throws ConfigException {
        Config value = locate(structure.key());
        if (!value.exists()) {
            return Optional.empty();
        }
        return Optional.of(enter(value, pathOf(structure.key()), structure.key(), shapeOf(structure.key())));
    }

    /**
     * @param structure a required section or open object declared inside this section
     * @return it
     * @throws ConfigException when it is missing, is not an object, or has a key it does not declare
     */
    ConfigSection get(Structure structure) throws ConfigException {
        if (!(structure.fallback() instanceof Fallback.Required<Void>)) {
            throw new IllegalArgumentException(structure.key() + " is optional: find it instead");
        }
        return find(structure).orElseThrow(() -> missing(pathOf(structure.key())));
    }

    /**
     * @param list a list declared inside this section
     * @return its elements; empty when the list is not written
     * @throws ConfigException when it is not an array of objects, or an element has an undeclared key
     */
    Optional<List<ConfigSection>> elements(Structure list) throws ConfigException {
        Config value = locate(list.key());
        if (!value.exists()) {
            return Optional.empty();
        }
        String listPath = pathOf(list.key());
        if (value.type() != Config.Type.LIST) {
            throw new ConfigException("section \"" + listPath + "\" must be a JSON array");
        }
        KeyTree element = shapeOf(list.key()).element();
        List<ConfigSection> elements = new ArrayList<>();
        for (Config entry : children(value)) {
            if (entry.type() != Config.Type.OBJECT) {
                throw new ConfigException("elements within the \"" + listPath + "\" array must be JSON objects");
            }
            elements.add(enter(entry, listPath + "[" + elements.size() + "]", list.key() + KeyTree.ELEMENT, element));
        }
        return Optional.of(List.copyOf(elements));
    }

    /**
     * @return an open object's keys and their values
     * @throws ConfigException when a value is not text
     */
    Map<String, String> texts() throws ConfigException {
        Map<String, String> texts = new LinkedHashMap<>();
        for (Config child : children(node)) {
            texts.put(child.name(), text(child, join(path, child.name())));
        }
        return texts;
    }

    /**
     * @return the key of this section as errors name it, such as {@code databases[0].auth}
     */
    String path() {
        return path;
    }

    /**
     * @return the section as read, for a plugin to read its own keys from
     */
    Config node() {
        return node;
    }

    /**
     * @param option an option of this section
     * @param reason why its value cannot be used
     * @return the error, naming the environment variable when one set the value
     */
    ConfigException invalid(Option<?> option, String reason) {
        return invalid(pathOf(option.key()), reason);
    }

    /**
     * A key's text value. A plugin's keys are read through this too.
     *
     * @throws ConfigException when the value is an object or an array
     */
    static String text(Config node, String path) throws ConfigException {
        if (node.type() != Config.Type.VALUE) {
            throw new ConfigException("invalid value for option \"" + path + "\": input must be a text string");
        }
        return node.asString().orElse("");
    }

    private <T> T parse(Option<T> option, Config value) throws ConfigException {
        String optionPath = pathOf(option.key());
        try {
            if (value.type() == Config.Type.LIST && option.type() instanceof ValueType.AddressRanges) {
                // An environment variable gives the list as text, and Helidon keeps the file's array over it.
                String variable = overrides.values().get(value.key().toString());
                return option.type().parse(variable != null ? variable : joinedTexts(value, optionPath));
            }
            return option.type().parse(text(value, optionPath));
        } catch (InvalidValueException e) {
            throw invalid(optionPath, e.getMessage());
        }
    }

    /** A JSON array of strings, in the comma-separated form its value type also reads from the environment. */
    private static String joinedTexts(Config list, String path) throws ConfigException {
        List<String> texts = new ArrayList<>();
        for (Config element : children(list)) {
            texts.add(text(element, path + "[" + texts.size() + "]"));
        }
        if (texts.isEmpty()) {
            throw new ConfigException("invalid value for option \"" + path + "\": the array must not be empty");
        }
        return String.join(",", texts);
    }

    private ConfigException invalid(String optionPath, String reason) {
        String subject = overrides.variableSetting(optionPath)
                .map(variable -> "environment variable " + variable + " (option \"" + optionPath + "\")")
                .orElse("option \"" + optionPath + "\"");
        return new ConfigException("invalid value for " + subject + ": " + reason);
    }

    /**
     * Walks from this section to a declared key, checking each section passed on the way.
     *
     * @return the key's node, which may not exist
     */
    private Config locate(String key) throws ConfigException {
        List<String> names = relativeNames(key);
        Config current = node;
        String currentPath = path;
        KeyTree currentShape = shape;
        for (String name : names.subList(0, names.size() - 1)) {
            current = current.get(name);
            currentPath = join(currentPath, name);
            currentShape = currentShape.child(name);
            if (!current.exists()) {
                return current;
            }
            checkSection(current, currentPath, currentShape);
        }
        return current.get(names.getLast());
    }

    private ConfigSection enter(Config value, String valuePath, String key, KeyTree valueShape) throws ConfigException {
        checkSection(value, valuePath, valueShape);
        return new ConfigSection(value, valuePath, key, valueShape, overrides);
    }

    private static void checkSection(Config section, String sectionPath, KeyTree sectionShape) throws ConfigException {
        if (section.type() != Config.Type.OBJECT) {
            throw new ConfigException("section \"" + sectionPath + "\" must be a JSON object");
        }
        if (sectionShape.kind() == KeyTree.Kind.OPEN) {
            return;
        }
        for (Config option : children(section)) {
            if (sectionShape.child(option.name()) == null) {
                throw new ConfigException("unrecognized configuration option \"" + join(sectionPath, option.name()) + "\"");
            }
        }
    }

    private KeyTree shapeOf(String key) {
        KeyTree current = shape;
        for (String name : relativeNames(key)) {
            current = current.child(name);
        }
        return current;
    }

    private String pathOf(String key) {
        return join(path, String.join(".", relativeNames(key)));
    }

    /** The names leading from this section to a key declared inside it. */
    private List<String> relativeNames(String key) {
        String prefix = declaredKey.isEmpty() ? "" : declaredKey + ".";
        if (!key.startsWith(prefix) || key.length() == prefix.length()) {
            throw new IllegalArgumentException(key + " is not declared inside " + (path.isEmpty() ? "the root" : path));
        }
        return List.of(key.substring(prefix.length()).split("\\."));
    }

    private static List<Config> children(Config node) {
        return node.asNodeList().orElse(List.of());
    }

    private static String join(String head, String name) {
        return head.isEmpty() ? name : head + "." + name;
    }

    private static ConfigException missing(String optionPath) {
        return new ConfigException("missing configuration option \"" + optionPath + "\"");
    }
}
