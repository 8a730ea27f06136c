package io.allas.server.config;

/**
 * What applies when a key is not written.
 *
 * @param <T> the option's value type
 */
sealed interface Fallback<T> {

    /** How the reference table writes a required key's default. */
    String REQUIRED_WORD = "required";

    /**
     * @param value the value in force
     * @param <T>   its type
     * @return a default value
     */
    static <T> Fallback<T> byDefault(T value) {
        return new Value<>(value);
    }

    /**
     * @param <T> the option's value type
     * @return the key must be written
     */
    static <T> Fallback<T> required() {
        return new Required<>();
    }

    /**
     * @param meaning what leaving the key out means, as the reference table writes it
     *                (Markdown: {@code off}, {@code none}, {@code `plugins/` beside `allas.jar`})
     * @param <T>     the option's value type
     * @return no value; the runtime decides what absence means
     */
    static <T> Fallback<T> absent(String meaning) {
        return new Absent<>(meaning);
    }

    /** @param value the default value */
    record Value<T>(T value) implements Fallback<T> {
    }

    /** The key must be written. */
    record Required<T>() implements Fallback<T> {
    }

    /** @param meaning what leaving the key out means */
    record Absent<T>(String meaning) implements Fallback<T> {
    }
}
