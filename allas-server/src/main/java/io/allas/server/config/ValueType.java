package io.allas.server.config;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The values an option takes, as written in JSON or in an environment variable: always text
 * first, since both the file and the environment give numbers as numeric strings too.
 *
 * @param <T> the type the runtime sees
 */
sealed interface ValueType<T> {

    /**
     * @param text the value as written
     * @return the value
     * @throws InvalidValueException saying why the text does not fit
     */
    T parse(String text) throws InvalidValueException;

    /**
     * @param value a value of this type
     * @return the value as an operator would write it
     */
    default String format(T value) {
        return String.valueOf(value);
    }

    static ValueType<Integer> integer(int min, int max) {
        return new IntegerRange(min, max);
    }

    static ValueType<Duration> milliseconds(int min, int max) {
        return new Milliseconds(new IntegerRange(min, max));
    }

    static ValueType<Boolean> flag() {
        return new Flag();
    }

    static ValueType<String> text() {
        return new Text(false);
    }

    static ValueType<String> nonEmptyText() {
        return new Text(true);
    }

    static <E extends Enum<E>> ValueType<E> oneOf(Class<E> words) {
        return new OneOf<>(List.of(words.getEnumConstants()));
    }

    static ValueType<Path> path() {
        return new FilePath();
    }

    static ValueType<List<AddressRange>> addressRanges() {
        return new AddressRanges();
    }

    /** A whole number within a range, written as a JSON number or a numeric string. */
    record IntegerRange(int min, int max) implements ValueType<Integer> {
        @Override
        public Integer parse(String text) throws InvalidValueException {
            String trimmed = text.trim();
            int value;
            try {
                value = new BigDecimal(trimmed).intValueExact();
            } catch (NumberFormatException | ArithmeticException e) {
                throw new InvalidValueException("input must be an integer");
            }
            if (value < min || value > max) {
                throw new InvalidValueException(trimmed + " is outside the range " + min + " to " + max);
            }
            return value;
        }
    }

    /** A duration written as a whole number of milliseconds (keys ending {@code _ms}). */
    record Milliseconds(IntegerRange range) implements ValueType<Duration> {
        @Override
        public Duration parse(String text) throws InvalidValueException {
            return Duration.ofMillis(range.parse(text));
        }

        @Override
        public String format(Duration value) {
            return String.valueOf(value.toMillis());
        }
    }

    /** {@code true} or {@code false}. */
    record Flag() implements ValueType<Boolean> {
        @Override
        public Boolean parse(String text) throws InvalidValueException {
            return switch (text) {
                case "true" -> true;
                case "false" -> false;
                default -> throw new InvalidValueException("input must be a boolean");
            };
        }
    }

    /** Any text; host names, for one, may not be empty. */
    record Text(boolean nonEmpty) implements ValueType<String> {
        @Override
        public String parse(String text) throws InvalidValueException {
            if (nonEmpty && text.isEmpty()) {
                throw new InvalidValueException("must not be empty");
            }
            return text;
        }
    }

    /**
     * One of a few words, each an enum constant's name in lower case.
     *
     * @param values the constants, in the order the error message lists them
     */
    record OneOf<E extends Enum<E>>(List<E> values) implements ValueType<E> {
        @Override
        public E parse(String text) throws InvalidValueException {
            for (E value : values) {
                if (format(value).equals(text)) {
                    return value;
                }
            }
            throw new InvalidValueException("\"" + text + "\" (one of "
                    + String.join(", ", values.stream().map(this::format).toList()) + ")");
        }

        @Override
        public String format(E value) {
            return value.name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * A file or directory; the loader resolves a relative one from the configuration file's
     * directory, where the operator who wrote it would look.
     */
    record FilePath() implements ValueType<Path> {
        @Override
        public Path parse(String text) {
            return Path.of(text);
        }
    }

    /**
     * IP address ranges: a JSON array of strings in the file; in an environment variable, which
     * holds text only, the same separated by commas.
     */
    record AddressRanges() implements ValueType<List<AddressRange>> {
        @Override
        public List<AddressRange> parse(String text) throws InvalidValueException {
            List<AddressRange> ranges = new ArrayList<>();
            for (String range : text.split(",", -1)) {
                ranges.add(AddressRange.parse(range.trim()));
            }
            return List.copyOf(ranges);
        }

        @Override
        public String format(List<AddressRange> value) {
            return String.join(",", value.stream().map(AddressRange::toString).toList());
        }
    }
}
