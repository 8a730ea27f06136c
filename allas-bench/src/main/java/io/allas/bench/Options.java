package io.allas.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code --key value} / {@code --key=value} options, and bare {@code --flag}s (followed by another option or by
 * nothing: the value "true"); every key read must be known, every key given must be read.
 */
final class Options {

    private final Map<String, String> values = new LinkedHashMap<>();
    private final Set<String> read = new TreeSet<>();

    Options(List<String> args) {
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (!a.startsWith("--")) {
                throw new UsageException("unexpected argument: " + a);
            }
            String key = a.substring(2);
            String value;
            int eq = key.indexOf('=');
            if (eq >= 0) {
                value = key.substring(eq + 1);
                key = key.substring(0, eq);
            } else if (i + 1 < args.size() && !args.get(i + 1).startsWith("--")) {
                value = args.get(++i);
            } else {
                value = "true";
            }
            values.put(key, value);
        }
    }

    String string(String key, String def) {
        read.add(key);
        return values.getOrDefault(key, def);
    }

    long longValue(String key, long def) {
        String v = string(key, null);
        if (v == null) {
            return def;
        }
        try {
            String s = v.replace("_", "");
            long mult = 1;
            if (s.endsWith("k") || s.endsWith("K")) {
                mult = 1000;
                s = s.substring(0, s.length() - 1);
            } else if (s.endsWith("m") || s.endsWith("M")) {
                mult = 1_000_000;
                s = s.substring(0, s.length() - 1);
            }
            return Long.parseLong(s) * mult;
        } catch (NumberFormatException e) {
            throw new UsageException("option --" + key + ": not a number: " + v);
        }
    }

    int intValue(String key, int def) {
        long v = longValue(key, def);
        if (v > Integer.MAX_VALUE || v < Integer.MIN_VALUE) {
            throw new UsageException("option --" + key + ": out of range: " + v);
        }
        return (int) v;
    }

    double doubleValue(String key, double def) {
        String v = string(key, null);
        if (v == null) {
            return def;
        }
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new UsageException("option --" + key + ": not a number: " + v);
        }
    }

    /** A bare {@code --key} or {@code --key true} is on; absent or {@code --key false} is off. */
    boolean flag(String key) {
        String v = string(key, "false");
        return switch (v) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new UsageException("option --" + key + ": true or false, not " + v);
        };
    }

    /** Fails on options that no scenario read. */
    void checkAllRead() {
        for (String key : values.keySet()) {
            if (!read.contains(key)) {
                throw new UsageException("unknown option --" + key);
            }
        }
    }

    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }
}
