package io.allas.server.sql;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Decides whether a SELECT may be passed to PostgreSQL as a catalog query: read-only, over allowed
 * system catalogs only, calling allowed side-effect-free functions only. A conservative check on
 * the statement's tokens, not a parser: what it cannot place is refused. It relies on the catalog
 * connection's own settings (search_path {@code pg_catalog} only, standard_conforming_strings on,
 * read-only transactions), under which an unqualified name can only resolve to a pg_catalog object.
 */
final class CatalogQueryCheck {

    /** System catalogs that describe types and schema objects, not rows of user tables nor secrets. */
    static final Set<String> CATALOG_RELATIONS = Set.of("pg_type", "pg_namespace", "pg_range", "pg_enum",
            "pg_attribute", "pg_class", "pg_proc", "pg_attrdef", "pg_constraint", "pg_index", "pg_extension",
            "pg_collation", "pg_am", "pg_database", "pg_description", "pg_inherits", "pg_depend", "pg_language",
            "pg_cast", "pg_operator", "pg_aggregate", "pg_opclass", "pg_conversion", "pg_ts_config", "pg_ts_dict");

    /** information_schema views of the same kind, only when written with their schema. */
    static final Set<String> INFORMATION_SCHEMA_RELATIONS = Set.of("tables", "columns", "schemata", "routines",
            "parameters", "key_column_usage", "table_constraints", "referential_constraints", "element_types",
            "domains", "attributes", "user_defined_types", "character_sets", "check_constraints");

    /** Functions that only read the catalogs or compute: no writes, no files, no other sessions, no user data. */
    static final Set<String> FUNCTIONS = Set.of(
            "format_type", "pg_get_expr", "pg_get_constraintdef", "pg_get_indexdef", "pg_get_function_arguments",
            "pg_get_function_identity_arguments", "pg_get_function_result", "pg_get_userbyid", "pg_get_keywords",
            "obj_description", "col_description", "pg_type_is_visible", "pg_table_is_visible",
            "pg_function_is_visible", "to_regtype", "to_regclass", "to_regproc", "to_regprocedure",
            "to_regnamespace", "pg_encoding_to_char", "version",
            "array_agg", "string_agg", "count", "min", "max", "sum", "avg", "bool_and", "bool_or", "every",
            "json_agg", "jsonb_agg", "json_build_object", "jsonb_build_object", "json_build_array",
            "jsonb_build_array", "row_to_json", "to_json", "to_jsonb",
            "array_to_string", "array_length", "array_upper", "array_lower", "array_position", "array_positions",
            "array_remove", "array_append", "array_prepend", "array_cat", "array_ndims", "array_dims",
            "cardinality", "unnest", "generate_series", "generate_subscripts", "string_to_array",
            "lower", "upper", "length", "char_length", "left", "right", "substr", "replace", "split_part",
            "concat", "concat_ws", "btrim", "ltrim", "rtrim", "quote_ident", "starts_with", "strpos", "abs", "mod",
            "row_number", "rank", "dense_rank",
            "int2", "int4", "int8", "text", "oid", "bool", "name", "regtype", "regclass", "regproc");

    /** Keywords after which a parenthesis opens an expression, a subquery or a clause, not a call. */
    private static final Set<String> KEYWORDS_BEFORE_PARENTHESIS = Set.of("select", "from", "where", "and", "or",
            "not", "in", "on", "using", "as", "exists", "any", "all", "some", "array", "row", "values", "over",
            "filter", "within", "when", "then", "else", "case", "by", "join", "lateral", "distinct", "between",
            "like", "ilike", "is", "having", "union", "intersect", "except", "with", "recursive", "materialized",
            "cast", "coalesce", "nullif", "greatest", "least", "limit", "offset", "partition", "ordinality");

    /**
     * Words that change something, lock, reach outside the catalogs, or that would answer for
     * allas's connection rather than the client's session: refused wherever they appear.
     */
    private static final Set<String> REFUSED_WORDS = Set.of("insert", "update", "delete", "merge", "into", "copy",
            "call", "do", "for", "lock", "grant", "revoke", "create", "alter", "drop", "truncate", "set", "execute",
            "prepare", "listen", "unlisten", "notify", "vacuum", "analyze", "refresh", "reindex", "cluster",
            "comment", "security", "import", "load", "declare", "table", "returning", "current_user",
            "session_user", "current_role", "user", "current_schema", "current_catalog", "system_user");

    /** Words that end a FROM list at its own level. */
    private static final Set<String> CLAUSE_WORDS = Set.of("where", "group", "having", "window", "order", "limit",
            "offset", "fetch", "union", "intersect", "except");

    private enum Mode {
        /** An expression, a select list or a clause. */
        EXPRESSION,
        /** After FROM, JOIN or a comma of a FROM list: a relation, a function or a subquery comes. */
        FROM_ITEM,
        /** After a function's name in a FROM list: its arguments come. */
        FROM_FUNCTION,
        /** After a FROM item: its alias, a join, a comma, or the next clause. */
        AFTER_FROM_ITEM,
        /** After ON or USING: the join condition, up to the next join, comma or clause. */
        JOIN_CONDITION,
        /** Column names in parentheses: a CTE's or an alias's. */
        COLUMN_LIST,
        /** After WITH or a CTE's comma: the CTE's name. */
        CTE_NAME,
        /** After a CTE's name: its column list or AS. */
        CTE_AFTER_NAME,
        /** After a CTE's AS: [NOT] MATERIALIZED and its body. */
        CTE_AFTER_AS,
        /** After a CTE's body: a comma and another CTE, or the query. */
        CTE_AFTER_BODY
    }

    /** One level of parentheses. */
    private static final class Frame {
        Mode mode;
        /** What the enclosing frame becomes when this one closes. */
        final Mode parentAfter;

        Frame(Mode mode, Mode parentAfter) {
            this.mode = mode;
            this.parentAfter = parentAfter;
        }
    }

    private final List<Token> tokens;
    private final Set<String> cteNames = new HashSet<>();
    /** The calls of current_schemas(), which allas answers for the client inside the query. */
    private final List<Statement.CurrentSchemas> currentSchemas = new ArrayList<>();
    /** Whether a FROM list names a catalog relation: what makes a query a catalog query. */
    private boolean readsCatalog;

    private CatalogQueryCheck(List<Token> tokens) {
        this.tokens = tokens;
    }

    /**
     * @param tokens one statement's tokens
     * @throws Refused saying what is not allowed
     */
    static List<Statement.CurrentSchemas> check(List<Token> tokens) throws Refused {
        CatalogQueryCheck check = new CatalogQueryCheck(tokens);
        check.run();
        return List.copyOf(check.currentSchemas);
    }

    /** The statement is not a catalog query allas passes on; the message says why. */
    static final class Refused extends Exception {
        Refused(String reason) {
            super(reason, null, false, false);
        }
    }

    private void run() throws Refused {
        if (tokens.isEmpty() || !(tokens.getFirst().isKeyword("select") || tokens.getFirst().isKeyword("with"))) {
            throw new Refused("only SELECT and WITH ... SELECT");
        }
        Deque<Frame> frames = new ArrayDeque<>();
        frames.push(new Frame(Mode.EXPRESSION, null));
        for (int i = 0; i < tokens.size(); i++) {
            Token token = tokens.get(i);
            checkLexically(i);
            Frame frame = frames.peek();
            if (isSymbol(token, ")")) {
                frames.pop();
                if (frames.isEmpty()) {
                    throw new Refused("unbalanced parentheses");
                }
                if (frame.parentAfter != null) {
                    frames.peek().mode = frame.parentAfter;
                }
                continue;
            }
            if (isSymbol(token, "(")) {
                frames.push(opening(frame, i));
                continue;
            }
            switch (frame.mode) {
                case EXPRESSION -> {
                    if (token.isKeyword("from")) {
                        frame.mode = Mode.FROM_ITEM;
                    } else if (token.isKeyword("with")) {
                        frame.mode = Mode.CTE_NAME;
                    } else if (token.isName()) {
                        checkCall(i);
                    }
                }
                case FROM_ITEM -> {
                    if (token.isKeyword("only") || token.isKeyword("lateral")) {
                        continue;
                    }
                    if (!token.isName()) {
                        throw new Refused("\"" + token.source() + "\" where a relation was expected");
                    }
                    i = fromItem(i);
                    boolean function = i + 1 < tokens.size() && isSymbol(tokens.get(i + 1), "(");
                    frame.mode = function ? Mode.FROM_FUNCTION : Mode.AFTER_FROM_ITEM;
                }
                case FROM_FUNCTION -> throw new IllegalStateException("a parenthesis follows a function's name");
                case AFTER_FROM_ITEM, JOIN_CONDITION -> {
                    if (isSymbol(token, ",") || token.isKeyword("join")) {
                        frame.mode = Mode.FROM_ITEM;
                    } else if (token.isKeyword("on") || token.isKeyword("using")) {
                        frame.mode = Mode.JOIN_CONDITION;
                    } else if (CLAUSE_WORDS.stream().anyMatch(token::isKeyword)) {
                        frame.mode = Mode.EXPRESSION;
                    } else if (frame.mode == Mode.JOIN_CONDITION && token.isName()) {
                        checkCall(i);
                    }
                }
                case COLUMN_LIST -> {
                    if (!token.isName() && !isSymbol(token, ",")) {
                        throw new Refused("\"" + token.source() + "\" in a column list");
                    }
                }
                case CTE_NAME -> {
                    if (token.isKeyword("recursive")) {
                        continue;
                    }
                    if (!token.isName()) {
                        throw new Refused("\"" + token.source() + "\" where a WITH query's name was expected");
                    }
                    // A CTE named like a catalog could shadow it in one scope and not in another.
                    if (token.text().startsWith("pg_")) {
                        throw new Refused("a WITH query named " + token.text());
                    }
                    cteNames.add(token.text());
                    frame.mode = Mode.CTE_AFTER_NAME;
                }
                case CTE_AFTER_NAME -> {
                    if (!token.isKeyword("as")) {
                        throw new Refused("\"" + token.source() + "\" after a WITH query's name");
                    }
                    frame.mode = Mode.CTE_AFTER_AS;
                }
                case CTE_AFTER_AS -> {
                    if (!token.isKeyword("not") && !token.isKeyword("materialized")) {
                        throw new Refused("\"" + token.source() + "\" where a WITH query's body was expected");
                    }
                }
                case CTE_AFTER_BODY -> {
                    if (isSymbol(token, ",")) {
                        frame.mode = Mode.CTE_NAME;
                    } else if (token.isKeyword("select")) {
                        frame.mode = Mode.EXPRESSION;
                    } else {
                        throw new Refused("\"" + token.source() + "\" after a WITH query");
                    }
                }
            }
        }
        if (frames.size() != 1) {
            throw new Refused("unbalanced parentheses");
        }
        if (!readsCatalog) {
            throw new Refused("it reads no system catalog");
        }
    }

    /** The frame a parenthesis opens, and what its own frame becomes once it closes. */
    private Frame opening(Frame frame, int index) {
        return switch (frame.mode) {
            case FROM_ITEM -> {
                // A subquery, or a parenthesised join of further FROM items (a nested parenthesis decides again).
                boolean subquery = index + 1 < tokens.size() && (tokens.get(index + 1).isKeyword("select")
                        || tokens.get(index + 1).isKeyword("with") || tokens.get(index + 1).isKeyword("values"));
                yield new Frame(subquery ? Mode.EXPRESSION : Mode.FROM_ITEM, Mode.AFTER_FROM_ITEM);
            }
            case FROM_FUNCTION -> new Frame(Mode.EXPRESSION, Mode.AFTER_FROM_ITEM);
            case AFTER_FROM_ITEM, CTE_AFTER_NAME -> new Frame(Mode.COLUMN_LIST, null);
            case CTE_AFTER_AS -> new Frame(Mode.EXPRESSION, Mode.CTE_AFTER_BODY);
            case CTE_AFTER_BODY -> new Frame(Mode.EXPRESSION, Mode.EXPRESSION);
            default -> new Frame(Mode.EXPRESSION, null);
        };
    }

    /**
     * A relation or function named in a FROM list.
     *
     * @return the index of its last name token
     */
    private int fromItem(int index) throws Refused {
        String schema = null;
        int last = index;
        if (index + 2 < tokens.size() && isSymbol(tokens.get(index + 1), ".") && tokens.get(index + 2).isName()) {
            schema = tokens.get(index).text();
            last = index + 2;
            if (last + 1 < tokens.size() && isSymbol(tokens.get(last + 1), ".")) {
                throw new Refused("a name with more than two parts");
            }
        }
        if (last + 1 < tokens.size() && isSymbol(tokens.get(last + 1), "(")) {
            if (tokens.get(last).isKeyword("current_schemas")) {
                throw new Refused("current_schemas() in FROM");
            }
            checkCall(last);
            return last;
        }
        String name = tokens.get(last).text();
        boolean allowed = schema == null ? CATALOG_RELATIONS.contains(name) || cteNames.contains(name)
                : schema.equals("pg_catalog") ? CATALOG_RELATIONS.contains(name)
                : schema.equals("information_schema") && INFORMATION_SCHEMA_RELATIONS.contains(name);
        if (!allowed) {
            throw new Refused("it reads " + (schema == null ? "" : schema + ".") + name
                    + ", which is not an allowed catalog relation");
        }
        readsCatalog = true;
        return last;
    }

    /** A name followed by a parenthesis is a function call, unless a keyword or a type's modifier. */
    private void checkCall(int index) throws Refused {
        Token name = tokens.get(index);
        if (index + 1 >= tokens.size() || !isSymbol(tokens.get(index + 1), "(")) {
            return;
        }
        boolean qualified = index >= 2 && isSymbol(tokens.get(index - 1), ".");
        if (!qualified) {
            if (KEYWORDS_BEFORE_PARENTHESIS.stream().anyMatch(name::isKeyword)) {
                return;
            }
            // A type's modifier (::varchar(10), CAST(x AS numeric(10, 2))), not a call.
            if (index >= 1 && (tokens.get(index - 1).isKeyword("as") || isSymbol(tokens.get(index - 1), ":"))) {
                return;
            }
        } else if (!tokens.get(index - 2).isName() || !tokens.get(index - 2).text().equals("pg_catalog")
                || (index >= 3 && isSymbol(tokens.get(index - 3), "."))) {
            throw new Refused("it calls " + tokens.get(index - 2).text() + "." + name.text()
                    + "(); only pg_catalog functions are allowed");
        }
        if (name.isKeyword("current_schemas")) {
            currentSchemasCall(index, qualified);
            return;
        }
        if (!FUNCTIONS.contains(name.text())) {
            throw new Refused("it calls " + name.text() + "(), which is not an allowed function");
        }
    }

    /**
     * {@code current_schemas(true)} or {@code current_schemas(false)}: its value is the client's,
     * substituted before PostgreSQL runs the query, so its argument must be a constant.
     */
    private void currentSchemasCall(int index, boolean qualified) throws Refused {
        if (index + 3 >= tokens.size() || !(tokens.get(index + 2).isKeyword("true") || tokens.get(index + 2).isKeyword("false"))
                || !isSymbol(tokens.get(index + 3), ")")) {
            throw new Refused("current_schemas() with an argument other than true or false");
        }
        int start = tokens.get(qualified ? index - 2 : index).start();
        currentSchemas.add(new Statement.CurrentSchemas(start, tokens.get(index + 3).start() + 1,
                tokens.get(index + 2).isKeyword("true")));
    }

    /** Rules on single tokens and their neighbours, wherever they stand. */
    private void checkLexically(int index) throws Refused {
        Token token = tokens.get(index);
        Token next = index + 1 < tokens.size() ? tokens.get(index + 1) : null;
        if (token.kind() == Token.Kind.IDENTIFIER && REFUSED_WORDS.contains(token.text())) {
            throw new Refused("it contains " + token.source().toUpperCase(java.util.Locale.ROOT));
        }
        // $1 is a parameter; a dollar-quoted string is a STRING token: any other $ is not PostgreSQL's.
        if (isSymbol(token, "$") && (next == null || next.kind() != Token.Kind.NUMBER || !next.text().matches("[0-9]+"))) {
            throw new Refused("dollar-quoted strings");
        }
        // E'...' reads backslash escapes, U&'...' and U&"..." Unicode escapes: the lexer reads neither.
        if (token.kind() == Token.Kind.IDENTIFIER && next != null && ((token.text().equals("e") && next.kind() == Token.Kind.STRING)
                || (token.text().equals("u") && isSymbol(next, "&")))) {
            throw new Refused("escape strings");
        }
        if (token.kind() == Token.Kind.SYMBOL && token.source().equals("\\")) {
            throw new Refused("a backslash");
        }
        // A type from another schema: ::s.t, AS s.t or s.t 'literal' could reach a user's cast or input function.
        boolean typeFollows = (isSymbol(token, ":") && index >= 1 && isSymbol(tokens.get(index - 1), ":"))
                || token.isKeyword("as");
        if (typeFollows && index + 3 < tokens.size() && isSymbol(tokens.get(index + 2), ".")
                && !tokens.get(index + 1).text().equals("pg_catalog")) {
            throw new Refused("a type outside pg_catalog");
        }
        if (token.isName() && next != null && isSymbol(next, ".") && index + 3 < tokens.size()
                && tokens.get(index + 2).isName() && tokens.get(index + 3).kind() == Token.Kind.STRING
                && !token.text().equals("pg_catalog")) {
            throw new Refused("a type outside pg_catalog");
        }
    }

    private static boolean isSymbol(Token token, String symbol) {
        return token.kind() == Token.Kind.SYMBOL && token.source().equals(symbol);
    }
}
