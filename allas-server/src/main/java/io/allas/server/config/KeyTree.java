package io.allas.server.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which keys exist under which, derived from the declarations' dotted keys: the loader rejects
 * the keys a node does not have, and environment variable names are matched against it.
 *
 * @param kind     what the node holds
 * @param children an object's keys
 * @param element  a list's element; null for other kinds
 */
record KeyTree(Kind kind, Map<String, KeyTree> children, KeyTree element) {

    /** What a node holds. */
    enum Kind {
        /** One value. */
        VALUE,
        /** Keys of the operator's choosing, each a value. */
        OPEN,
        /** Declared keys. */
        OBJECT,
        /** Elements, each the same node. */
        LIST
    }

    /** How a list's element appears in a declared key: {@code databases[i].name}. */
    static final String ELEMENT = "[i]";

    /**
     * @param declarations every declaration
     * @return the root object
     * @throws IllegalArgumentException when two declarations disagree on what a key holds
     */
    static KeyTree of(List<? extends Declaration> declarations) {
        Builder root = new Builder(Kind.OBJECT);
        for (Declaration declaration : declarations) {
            root.add(segments(declaration.key()), kindOf(declaration), declaration.key());
        }
        return root.build();
    }

    /**
     * @param name a key of this object
     * @return its node, or null when this node declares no such key (an open object declares none)
     */
    KeyTree child(String name) {
        return children.get(name);
    }

    /**
     * @return the keys this object declares
     */
    Set<String> names() {
        return children.keySet();
    }

    /** {@code databases[i].auth} is {@code databases}, {@code [i]}, {@code auth}. */
    private static List<String> segments(String key) {
        return List.of(key.replace(ELEMENT, "." + ELEMENT).split("\\."));
    }

    private static Kind kindOf(Declaration declaration) {
        return switch (declaration) {
            case Option<?> option -> Kind.VALUE;
            case Structure structure -> switch (structure.shape()) {
                case SECTION -> Kind.OBJECT;
                case OPEN_OBJECT -> Kind.OPEN;
                case LIST -> Kind.LIST;
            };
        };
    }

    private static final class Builder {
        private Kind kind;
        private final Map<String, Builder> children = new LinkedHashMap<>();
        private Builder element;

        Builder(Kind kind) {
            this.kind = kind;
        }

        void add(List<String> segments, Kind leafKind, String key) {
            if (kind == Kind.OPEN) {
                return; // a key declared inside an open object (auth.method) is one of its keys already
            }
            Kind next = segments.size() == 1 ? leafKind
                    : segments.get(1).equals(ELEMENT) ? Kind.LIST : Kind.OBJECT;
            Builder child = segments.getFirst().equals(ELEMENT) ? element(next, key) : child(segments.getFirst(), next, key);
            if (segments.size() > 1) {
                child.add(segments.subList(1, segments.size()), leafKind, key);
            }
        }

        private Builder element(Kind next, String key) {
            if (kind != Kind.LIST) {
                throw new IllegalArgumentException(key + ": [i] after a key that is not a list");
            }
            element = merge(element, next, key);
            return element;
        }

        private Builder child(String name, Kind next, String key) {
            if (kind != Kind.OBJECT) {
                throw new IllegalArgumentException(key + ": \"" + name + "\" inside a key that holds no keys");
            }
            Builder child = merge(children.get(name), next, key);
            children.put(name, child);
            return child;
        }

        /** An open object absorbs the keys declared inside it, in whichever order they come. */
        private static Builder merge(Builder existing, Kind kind, String key) {
            if (existing == null) {
                return new Builder(kind);
            }
            if (kind == Kind.OPEN && existing.kind == Kind.OBJECT) {
                existing.kind = Kind.OPEN;
                existing.children.clear();
            } else if (existing.kind != kind && !(existing.kind == Kind.OPEN && kind == Kind.OBJECT)) {
                throw new IllegalArgumentException(key + ": declared as " + kind + " and as " + existing.kind);
            }
            return existing;
        }

        KeyTree build() {
            Map<String, KeyTree> built = new LinkedHashMap<>();
            children.forEach((name, child) -> built.put(name, child.build()));
            return new KeyTree(kind, Map.copyOf(built), element == null ? null : element.build());
        }
    }
}
