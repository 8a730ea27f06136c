package io.allas.server.config;

/**
 * One key of the configuration reference: what the loader accepts there, what an environment
 * variable may set, and what README.md documents all follow from these declarations.
 */
sealed interface Declaration permits Option, Structure {

    /**
     * @return the dotted key; list elements appear as {@code [i]}, as in {@code databases[i].name}
     */
    String key();

    /**
     * @return what the key means, in one line
     */
    String doc();

    /**
     * @return the default as the reference table writes it: a value in backquotes, or a word such
     *         as {@code required}
     */
    String documentedDefault();

    /**
     * @return the last part of the key, the name written in its JSON object
     */
    default String name() {
        return key().substring(key().lastIndexOf('.') + 1);
    }
}
