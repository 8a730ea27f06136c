package io.allas.server.sql;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits query text into tokens by PostgreSQL's lexical rules, as far as allas needs them:
 * whitespace, {@code --} and nested {@code /* *}{@code /} comments, identifiers folded and
 * truncated the way PostgreSQL keys them, quoted identifiers, numbers, string literals.
 */
public final class SqlLexer {

    /** PostgreSQL's NAMEDATALEN - 1: identifiers longer than this many bytes are truncated. */
    public static final int MAX_IDENTIFIER_BYTES = 63;

    private final String sql;
    private int position;

    private SqlLexer(String sql) {
        this.sql = sql;
    }

    /**
     * @param sql query text
     * @return its tokens
     * @throws SqlError for an unterminated quote or comment, or an empty quoted identifier
     */
    public static List<Token> tokenize(String sql) throws SqlError {
        return new SqlLexer(sql).run();
    }

    private List<Token> run() throws SqlError {
        List<Token> tokens = new ArrayList<>();
        while (true) {
            skipWhitespaceAndComments();
            if (position >= sql.length()) {
                return tokens;
            }
            tokens.add(next());
        }
    }

    private Token next() throws SqlError {
        int start = position;
        char c = sql.charAt(position);
        if (c == '"') {
            return quotedIdentifier();
        }
        if (c == '\'') {
            return stringLiteral(start);
        }
        if (isIdentifierStart(c)) {
            position++;
            while (position < sql.length() && isIdentifierPart(sql.charAt(position))) {
                position++;
            }
            String written = sql.substring(start, position);
            return new Token(Token.Kind.IDENTIFIER, truncate(foldAsciiLowerCase(written)), written, start);
        }
        if (c >= '0' && c <= '9') {
            while (position < sql.length() && (Character.isLetterOrDigit(sql.charAt(position))
                    || sql.charAt(position) == '.' || sql.charAt(position) == '_')) {
                position++;
            }
            String written = sql.substring(start, position);
            return new Token(Token.Kind.NUMBER, written, written, start);
        }
        position++;
        String written = String.valueOf(c);
        return new Token(c == ';' ? Token.Kind.SEMICOLON : Token.Kind.SYMBOL, written, written, start);
    }

    private Token quotedIdentifier() throws SqlError {
        int start = position;
        StringBuilder name = new StringBuilder();
        position++;
        while (true) {
            if (position >= sql.length()) {
                throw new SqlError("unterminated quoted identifier at or near \"" + sql.substring(start) + "\"");
            }
            char c = sql.charAt(position++);
            if (c == '"') {
                if (position < sql.length() && sql.charAt(position) == '"') {
                    name.append('"');
                    position++;
                } else {
                    break;
                }
            } else {
                name.append(c);
            }
        }
        if (name.isEmpty()) {
            throw new SqlError("zero-length delimited identifier at or near \"\"\"\"");
        }
        return new Token(Token.Kind.QUOTED_IDENTIFIER, truncate(name.toString()), sql.substring(start, position), start);
    }

    private Token stringLiteral(int start) throws SqlError {
        StringBuilder value = new StringBuilder();
        position++;
        while (true) {
            if (position >= sql.length()) {
                throw new SqlError("unterminated quoted string at or near \"" + sql.substring(start) + "\"");
            }
            char c = sql.charAt(position++);
            if (c == '\'') {
                if (position < sql.length() && sql.charAt(position) == '\'') {
                    value.append('\'');
                    position++;
                } else {
                    break;
                }
            } else {
                value.append(c);
            }
        }
        return new Token(Token.Kind.STRING, value.toString(), sql.substring(start, position), start);
    }

    private void skipWhitespaceAndComments() throws SqlError {
        while (position < sql.length()) {
            char c = sql.charAt(position);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
                position++;
            } else if (sql.startsWith("--", position)) {
                while (position < sql.length() && sql.charAt(position) != '\n' && sql.charAt(position) != '\r') {
                    position++;
                }
            } else if (sql.startsWith("/*", position)) {
                skipBlockComment();
            } else {
                return;
            }
        }
    }

    private void skipBlockComment() throws SqlError {
        int depth = 0;
        do {
            if (position >= sql.length()) {
                throw new SqlError("unterminated /* comment at or near \"" + "/*" + "\"");
            }
            if (sql.startsWith("/*", position)) {
                depth++;
                position += 2;
            } else if (sql.startsWith("*/", position)) {
                depth--;
                position += 2;
            } else {
                position++;
            }
        } while (depth > 0);
    }

    private static boolean isIdentifierStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
    }

    private static boolean isIdentifierPart(char c) {
        return isIdentifierStart(c) || (c >= '0' && c <= '9') || c == '$';
    }

    /**
     * PostgreSQL folds only ASCII letters when the encoding is multibyte (UTF-8 here).
     */
    static String foldAsciiLowerCase(String identifier) {
        char[] chars = identifier.toCharArray();
        for (int i = 0; i < chars.length; i++) {
            if (chars[i] >= 'A' && chars[i] <= 'Z') {
                chars[i] = (char) (chars[i] + ('a' - 'A'));
            }
        }
        return new String(chars);
    }

    /**
     * Cuts an identifier to 63 UTF-8 bytes without splitting a character, as PostgreSQL's
     * truncate_identifier does, so a channel is keyed by the name PostgreSQL delivers.
     */
    static String truncate(String identifier) {
        if (identifier.length() * 3 <= MAX_IDENTIFIER_BYTES
                || identifier.getBytes(StandardCharsets.UTF_8).length <= MAX_IDENTIFIER_BYTES) {
            return identifier;
        }
        int bytes = 0;
        int end = 0;
        while (end < identifier.length()) {
            int codePoint = identifier.codePointAt(end);
            int size = new String(Character.toChars(codePoint)).getBytes(StandardCharsets.UTF_8).length;
            if (bytes + size > MAX_IDENTIFIER_BYTES) {
                break;
            }
            bytes += size;
            end += Character.charCount(codePoint);
        }
        return identifier.substring(0, end);
    }
}
