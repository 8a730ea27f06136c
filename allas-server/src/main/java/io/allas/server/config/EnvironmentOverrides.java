package io.allas.server.config;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Maps {@code ALLAS_*} environment variables onto configuration keys, so that containers can set
 * any key, secrets included, without editing the file: {@code ALLAS_LISTEN_PORT} sets
 * {@code listen.port}, {@code ALLAS_DATABASES_0_AUTH_PASSWORD} sets
 * {@code databases.0.auth.password}.
 *
 * <p>Underscores separate levels but also occur inside key names ({@code startup_parameters}),
 * so names are matched against the keys allas knows rather than split blindly. Below
 * {@code startup_parameters} and {@code auth}, whose keys are open-ended, the rest of the name is
 * the key, in lower case (ParameterStatus names that PostgreSQL spells in mixed case, such as
 * {@code DateStyle}, get PostgreSQL's spelling). Variables without the prefix are never looked at.
 */
public final class EnvironmentOverrides {

    /** The prefix of the variables read. */
    public static final String PREFIX = "ALLAS_";

    private static final Node LISTEN = Node.object(Map.of(
            "port", Node.VALUE, "host", Node.VALUE, "keepalive", Node.VALUE,
            "tls", Node.object(Map.of("certificate", Node.VALUE, "key", Node.VALUE, "ca", Node.VALUE, "mode", Node.VALUE))));
    private static final Node ROOT = Node.object(Map.of(
            "listen", LISTEN,
            "connect", Node.VALUE,
            "startup_parameters", Node.OPEN,
            "prometheus", Node.object(Map.of("listen", LISTEN)),
            "plugin_directory", Node.VALUE,
            "log_level", Node.VALUE,
            "limits", Node.object(Map.of("max_clients", Node.VALUE, "max_channels_per_client", Node.VALUE,
                    "startup_timeout_ms", Node.VALUE, "max_message_bytes", Node.VALUE,
                    "max_unauthenticated", Node.VALUE, "auth_failure_delay_ms", Node.VALUE)),
            "upstream", Node.object(Map.of("ping_interval_ms", Node.VALUE, "ping_timeout_ms", Node.VALUE)),
            "notification_queue", Node.object(Map.of(
                    "max_notifications", Node.VALUE, "max_bytes", Node.VALUE, "stall_timeout_ms", Node.VALUE)),
            "databases", Node.list(Node.object(Map.of("name", Node.VALUE, "auth", Node.OPEN)))));

    private static final List<String> MIXED_CASE_PARAMETERS = List.of("DateStyle", "IntervalStyle", "TimeZone");

    private EnvironmentOverrides() {
    }

    /**
     * @param environment the process environment (or a test's)
     * @param warnings    receives one line for each {@code ALLAS_} variable that names no key
     * @return configuration keys (dot-separated, list indexes as numbers) and their values
     */
    public static Map<String, String> fromEnvironment(Map<String, String> environment, List<String> warnings) {
        Map<String, String> overrides = new TreeMap<>();
        environment.forEach((name, value) -> {
            if (!name.startsWith(PREFIX) || name.length() == PREFIX.length()) {
                return;
            }
            List<String> words = Arrays.asList(name.substring(PREFIX.length()).toLowerCase(Locale.ROOT).split("_", -1));
            String key = match(ROOT, words);
            if (key == null) {
                warnings.add("ignoring environment variable " + name + ": it names no configuration option");
            } else {
                overrides.put(key, value);
            }
        });
        return overrides;
    }

    private static String match(Node node, List<String> words) {
        if (words.isEmpty() || words.contains("")) {
            return node == Node.VALUE ? "" : null;
        }
        switch (node.kind) {
            case VALUE:
                return null;
            case OPEN:
                return openKey(String.join("_", words));
            case LIST:
                if (!words.getFirst().matches("[0-9]+")) {
                    return null;
                }
                String rest = match(node.element, words.subList(1, words.size()));
                return rest == null ? null : join(String.valueOf(Integer.parseInt(words.getFirst())), rest);
            default:
                // Try every split point: key names may themselves contain underscores.
                for (int end = 1; end <= words.size(); end++) {
                    Node child = node.children.get(String.join("_", words.subList(0, end)));
                    if (child != null) {
                        String tail = match(child, words.subList(end, words.size()));
                        if (tail != null) {
                            return join(String.join("_", words.subList(0, end)), tail);
                        }
                    }
                }
                return null;
        }
    }

    private static String openKey(String lowerCase) {
        for (String name : MIXED_CASE_PARAMETERS) {
            if (name.toLowerCase(Locale.ROOT).equals(lowerCase)) {
                return name;
            }
        }
        return lowerCase;
    }

    private static String join(String head, String tail) {
        return tail.isEmpty() ? head : head + "." + tail;
    }

    private record Node(Kind kind, Map<String, Node> children, Node element) {
        static final Node VALUE = new Node(Kind.VALUE, Map.of(), null);
        static final Node OPEN = new Node(Kind.OPEN, Map.of(), null);

        static Node object(Map<String, Node> children) {
            return new Node(Kind.OBJECT, children, null);
        }

        static Node list(Node element) {
            return new Node(Kind.LIST, Map.of(), element);
        }
    }

    private enum Kind { VALUE, OPEN, OBJECT, LIST }

}
