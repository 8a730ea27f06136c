package io.allas.server.config;

/**
 * A key that holds one value.
 *
 * @param key      the dotted key
 * @param type     the values it takes
 * @param fallback what applies when the key is not written
 * @param doc      what it means, in one line
 * @param <T>      the type the runtime sees
 */
record Option<T>(String key, ValueType<T> type, Fallback<T> fallback, String doc) implements Declaration {

    @Override
    public String documentedDefault() {
        return switch (fallback) {
            case Fallback.Value<T> value -> "`" + type.format(value.value()) + "`";
            case Fallback.Required<T> required -> Fallback.REQUIRED_WORD;
            case Fallback.Absent<T> absent -> absent.meaning();
        };
    }
}
