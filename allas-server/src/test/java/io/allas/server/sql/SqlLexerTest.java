package io.allas.server.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * String literals as PostgreSQL reads them with standard_conforming_strings on; what it refuses
 * is refused with its SQLSTATE (NotifyThroughRelayTest compares the two side by side).
 */
@Tag("unit")
class SqlLexerTest {

    private static String string(String literal) throws SqlError {
        List<Token> tokens = SqlLexer.tokenize(literal);
        assertEquals(1, tokens.size(), literal);
        assertEquals(Token.Kind.STRING, tokens.getFirst().kind(), literal);
        return tokens.getFirst().text();
    }

    @Test
    void escapeStringsReadTheirEscapes() throws SqlError {
        assertEquals("a\nb\t\\'x\u0004gA\u00e9\uD83D\uDE00q", string("E'a\\nb\\t\\\\\\'\\x\\x4gA\\u00e9\\U0001F600\\q'"));
        assertEquals("it's", string("e'it''s'"));
        assertEquals("\u00e9", string("E'\\xc3\\xa9'"), "bytes, read as UTF-8");
    }

    @Test
    void unicodeStringsAndDollarQuotesAreReadAsWritten() throws SqlError {
        assertEquals("data \\ \uD83D\uDE00", string("U&'d\\0061t\\+000061 \\\\ \\D83D\\DE00'"));
        assertEquals("it's $1 \\n", string("$$it's $1 \\n$$"));
        assertEquals("a $$ b", string("$tag$a $$ b$tag$"));
    }

    @Test
    void aLiteralContinuesAfterWhitespaceWithANewlineInTheSameMode() throws SqlError {
        assertEquals("ab", string("'a'\n'b'"));
        assertEquals("ab", string("'a' -- a comment\n  -- another\n\t'b'"));
        assertEquals("a'b", string("E'a'\r\n'\\'b'"), "the continued piece is still an escape string");
        assertEquals(2, SqlLexer.tokenize("'a' 'b'").size(), "without a newline, two literals");
        assertEquals(2, SqlLexer.tokenize("'a' /* no */\n'b'").size(), "a block comment does not continue one");
    }

    /** A literal's end read otherwise than the server reads it would hide code from the catalog check. */
    @Test
    void codeAfterAContinuedEscapeStringIsCode() throws SqlError {
        List<Token> tokens = SqlLexer.tokenize("SELECT E'a'\n'\\' , ' , pg_terminate_backend(1) -- '\nFROM pg_type");
        assertEquals("a' , ", tokens.get(1).text());
        assertEquals("pg_terminate_backend", tokens.get(3).text());
    }

    @Test
    void aBackslashBeforeACharacterBeyondTheBasicPlaneKeepsIt() throws SqlError {
        assertEquals("\uD83D\uDE00", string("E'\\\uD83D\uDE00'"));
    }

    @Test
    void aParameterIsNotADollarQuote() throws SqlError {
        List<Token> tokens = SqlLexer.tokenize("$1");
        assertEquals(List.of(Token.Kind.SYMBOL, Token.Kind.NUMBER), tokens.stream().map(Token::kind).toList());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "E'\\UFFFFFFFF'|42601",
            "E'\\U00110000'|42601",
            "E'\\u12'|22025",
            "E'\\uD83D'|42601",
            "E'\\uD83Dx'|42601",
            "E'\\0'|22021",
            "E'\\xc3'|22021",
            "E'\\|42601",
            "U&'\\D83D\\-123'|42601",
            "U&'\\D83D\\'|42601",
            "U&'\\0000'|42601",
            "U&'\\12'|42601",
            "$$never closed|42601"})
    void malformedLiteralsAreRefusedWithPostgresqlsSqlstate(String literal, String sqlState) {
        SqlError refused = assertThrows(SqlError.class, () -> SqlLexer.tokenize(literal));
        assertEquals(sqlState, refused.sqlState(), refused.getMessage());
    }
}
