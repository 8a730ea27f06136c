package io.allas.server.sql;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Which SELECTs go to PostgreSQL as catalog queries: the drivers' own, and nothing that writes,
 * locks, reads a user's table or a secret, or calls a function outside the allowed ones.
 */
@Tag("unit")
class CatalogQueryCheckTest {

    private static void check(String sql) throws Exception {
        CatalogQueryCheck.check(SqlLexer.tokenize(sql));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        // r2dbc-postgresql's extension codec discovery
        "SELECT oid, * FROM pg_catalog.pg_type WHERE typname IN ('hstore','geometry','vector')",
        // psycopg2's hstore lookup
        "SELECT t.oid, typarray FROM pg_type t JOIN pg_namespace ns ON typnamespace = ns.oid WHERE typname = 'hstore'",
        // postgres.js's array types
        "select b.oid, b.typarray from pg_catalog.pg_type a left join pg_catalog.pg_type b on b.oid = a.typelem"
            + " where a.typcategory = 'A' group by b.oid, b.typarray order by b.oid",
        // Rails ActiveRecord's type map
        "SELECT t.oid, t.typname, t.typelem, t.typdelim, t.typinput, r.rngsubtype, t.typtype, t.typbasetype"
            + " FROM pg_type as t LEFT JOIN pg_range as r ON oid = rngtypid"
            + " WHERE t.typtype IN ('r', 'e', 'd') OR t.typinput = 'array_in(cstring,oid,integer)'::regprocedure"
            + " OR t.typelem != 0",
        // pgjdbc-style lookups with $n parameters, casts, ANY and ARRAY subqueries
        "SELECT t.typname, n.nspname FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON t.typnamespace = n.oid"
            + " WHERE t.oid = $1",
        "SELECT e.enumlabel FROM pg_enum e WHERE e.enumtypid = ANY($1::oid[]) ORDER BY e.enumsortorder",
        "SELECT t.oid, ARRAY(SELECT a.atttypid FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0"
            + " ORDER BY a.attnum) FROM pg_type t WHERE t.typname = $1",
        "SELECT pg_catalog.format_type(a.atttypid, a.atttypmod), pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a"
            + " LEFT JOIN pg_attrdef d ON (a.attrelid, a.attnum) = (d.adrelid, d.adnum) WHERE a.attrelid = 'pg_type'::regclass",
        "WITH RECURSIVE tree(oid, depth) AS (SELECT t.oid, 0 FROM pg_type t WHERE t.oid = $1"
            + " UNION ALL SELECT t.typbasetype, tree.depth + 1 FROM pg_type t, tree WHERE t.oid = tree.oid)"
            + " SELECT * FROM tree",
        "SELECT s.r, x.oid FROM generate_series(1, 3) AS s(r), (SELECT oid FROM pg_namespace) x",
        "SELECT count(*) FROM information_schema.columns WHERE table_name = 'x'",
        "SELECT oid FROM \"pg_catalog\".\"pg_type\" LIMIT 1",
        // string literals in every form PostgreSQL reads, opaque to the check as to the server
        "SELECT * FROM pg_type WHERE typname IN ($$x$$, $tag$it's pg_sleep(1)$tag$, E'\\'pg_sleep(1)', U&'\\0078')",
        // pgjdbc's TypeInfoCache: current_schemas() is answered for the client inside the query
        "SELECT n.nspname = ANY(current_schemas(true)), n.nspname, t.typname FROM pg_catalog.pg_type t"
            + " JOIN pg_catalog.pg_namespace n ON t.typnamespace = n.oid WHERE t.oid = $1"})
    void driversCatalogQueriesPass(String sql) {
        assertDoesNotThrow(() -> check(sql));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "SELECT pg_terminate_backend(123) FROM pg_type",
        "SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_stat_activity",
        "SELECT * FROM accounts",
        "SELECT * FROM public.accounts",
        "SELECT * FROM pg_type, accounts",
        "SELECT * FROM pg_type t JOIN accounts a ON true",
        "SELECT (SELECT secret FROM accounts LIMIT 1) FROM pg_type",
        "SELECT nextval('s') FROM pg_type",
        "WITH x AS (INSERT INTO accounts VALUES (1) RETURNING 1) SELECT * FROM pg_type",
        "SELECT oid FROM pg_type FOR UPDATE",
        "SELECT rolpassword FROM pg_authid",
        "SELECT * FROM pg_catalog.pg_statistic",
        "SELECT * FROM pg_settings",
        "SELECT oid INTO newtable FROM pg_type",
        "SELECT * FROM information_schema.accounts",
        "SELECT * FROM mydb.pg_catalog.pg_type",
        "SELECT * FROM pg_type WHERE typname = $q$x$q$ AND pg_sleep(1) IS NULL",
        "SELECT E'a'\n'\\' , ' , pg_terminate_backend(1) -- '\nFROM pg_type",
        "SELECT * FROM pg_type WHERE typname = E'\\'' , pg_terminate_backend(1) --'",
        "SELECT public.myfunc(oid) FROM pg_type",
        "SELECT oid::public.mytype FROM pg_type",
        "SELECT \"pg_terminate_backend\"(1) FROM pg_type",
        "WITH pg_authid AS (SELECT 1) SELECT * FROM pg_type",
        "SELECT current_user FROM pg_type",
        "SELECT 2",
        "SELECT pg_sleep(10) FROM pg_type",
        "SELECT query_to_xml('select 1', true, true, '') FROM pg_type",
        "SELECT * FROM pg_type WHERE oid = (SELECT 1 FROM ((accounts)))",
        "SELECT * FROM pg_namespace WHERE nspname = ANY(current_schemas($1))",
        "SELECT * FROM pg_namespace WHERE nspname = ANY(current_schemas(1 = 1))",
        "SELECT * FROM pg_namespace, current_schemas(true)"})
    void everythingElseIsRefused(String sql) {
        assertThrows(CatalogQueryCheck.Refused.class, () -> check(sql), sql);
    }

    @Test
    void currentSchemasCallsAreFoundWhereTheyAreWritten() throws Exception {
        String sql = "SELECT n.nspname = ANY(current_schemas(true)), n.nspname = ANY (pg_catalog.current_schemas( false ))"
                + " FROM pg_catalog.pg_namespace n";
        List<Statement.CurrentSchemas> calls = CatalogQueryCheck.check(SqlLexer.tokenize(sql));
        assertEquals(2, calls.size());
        assertEquals("current_schemas(true)", sql.substring(calls.get(0).start(), calls.get(0).end()));
        assertTrue(calls.get(0).includeImplicit());
        assertEquals("pg_catalog.current_schemas( false )", sql.substring(calls.get(1).start(), calls.get(1).end()));
        assertEquals(false, calls.get(1).includeImplicit());
        Statement.CatalogQuery query = new Statement.CatalogQuery(sql, List.of(), calls);
        assertEquals("SELECT n.nspname = ANY((SELECT '{\"pg_catalog\",\"my \\\"s\\\\ it''s\"}'::pg_catalog.name[] AS current_schemas)::pg_catalog.name[]),"
                + " n.nspname = ANY ((SELECT '{}'::pg_catalog.name[] AS current_schemas)::pg_catalog.name[]) FROM pg_catalog.pg_namespace n",
                query.forSession(implicit -> implicit ? List.of("pg_catalog", "my \"s\\ it's") : List.of()).sql());
    }

    @Test
    void theReasonNamesWhatIsNotAllowed() {
        assertTrue(assertThrows(CatalogQueryCheck.Refused.class, () -> check("SELECT * FROM public.accounts"))
                .getMessage().contains("public.accounts, which is not an allowed catalog relation"));
        assertTrue(assertThrows(CatalogQueryCheck.Refused.class, () -> check("SELECT nextval('s') FROM pg_type"))
                .getMessage().contains("nextval(), which is not an allowed function"));
    }
}
