package io.allas.testing;

import io.helidon.json.JsonString;

/**
 * JSON string quoting for the configuration files tests write.
 */
public final class Json {

    private Json() {
    }

    public static String quote(String value) {
        return JsonString.create(value).toString();
    }
}
