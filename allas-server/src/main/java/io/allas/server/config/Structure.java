package io.allas.server.config;

/**
 * A key that holds keys of its own, declared where its presence means something (the metrics
 * endpoint is on when its section is written) or where its keys are not allas's to declare.
 *
 * @param key      the dotted key
 * @param shape    what it holds
 * @param fallback {@link Fallback#required()}, or what its absence means
 * @param doc      what it means, in one line
 */
record Structure(String key, Shape shape, Fallback<Void> fallback, String doc) implements Declaration {

    /** What a structure holds. */
    enum Shape {
        /** An object of declared keys. */
        SECTION,
        /** An object whose keys are chosen by the operator (or a plugin), each a text value. */
        OPEN_OBJECT,
        /** An array of objects, each of the keys declared under {@code key[i]}. */
        LIST
    }

    @Override
    public String documentedDefault() {
        return fallback instanceof Fallback.Absent<Void> absent ? absent.meaning() : Fallback.REQUIRED_WORD;
    }
}
