package io.allas.server.sql;

/**
 * One lexical token of a query.
 *
 * @param kind   what it is
 * @param text   identifiers: the name as PostgreSQL would key it (folded, truncated); strings:
 *               the value; others: the source text
 * @param source the text as written, for error messages
 * @param start  where {@code source} begins in the query text
 */
public record Token(Kind kind, String text, String source, int start) {

    /** Token kinds. */
    public enum Kind {
        /** An unquoted identifier or keyword, folded to lower case. */
        IDENTIFIER,
        /** A double-quoted identifier. */
        QUOTED_IDENTIFIER,
        /** An integer or numeric literal. */
        NUMBER,
        /** A single-quoted string literal. */
        STRING,
        /** A semicolon. */
        SEMICOLON,
        /** Any other operator or punctuation character. */
        SYMBOL
    }

    /**
     * @param keyword a keyword in lower case
     * @return whether this is that keyword, written without quotes
     */
    public boolean isKeyword(String keyword) {
        return kind == Kind.IDENTIFIER && text.equals(keyword);
    }

    /**
     * @return whether this names something: an identifier, quoted or not
     */
    public boolean isName() {
        return kind == Kind.IDENTIFIER || kind == Kind.QUOTED_IDENTIFIER;
    }
}
