package io.allas.server.sql;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.allas.server.protocol.SqlState;

/**
 * Splits query text into tokens by PostgreSQL's lexical rules, as far as allas needs them:
 * whitespace, {@code --} and nested {@code /* *}{@code /} comments, identifiers folded and
 * truncated the way PostgreSQL keys them, quoted identifiers, numbers, string literals (plain,
 * {@code E'...'} with backslash escapes, {@code U&'...'} and dollar-quoted), as they read with
 * standard_conforming_strings on, the only setting allas accepts.
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
        if ((c == 'E' || c == 'e') && sql.startsWith("'", position + 1)) {
            return escapeString(start);
        }
        if ((c == 'U' || c == 'u') && sql.startsWith("&'", position + 1)) {
            return unicodeString(start);
        }
        if (c == '$') {
            int tagEnd = dollarTagEnd(position);
            if (tagEnd > 0) {
                return dollarString(start, sql.substring(position, tagEnd));
            }
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
                    int continued = continuation(position);
                    if (continued < 0) {
                        break;
                    }
                    position = continued;
                }
            } else {
                value.append(c);
            }
        }
        return new Token(Token.Kind.STRING, value.toString(), sql.substring(start, position), start);
    }

    /**
     * PostgreSQL's string continuation: after a literal's closing quote, whitespace that holds a
     * newline (with {@code --} comments in it) and then a quote continue the same literal, read
     * in the same way ({@code E'a'} then a newline and {@code '\''} is one escape string). The
     * catalog check relies on reading where a literal ends exactly as the server does.
     *
     * @param afterQuote the position after the closing quote
     * @return the position after the quote that continues the literal, or -1 when it ends
     */
    private int continuation(int afterQuote) {
        int i = afterQuote;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            if (c == ' ' || c == '\t' || c == '\f') {
                i++;
            } else if (sql.startsWith("--", i)) {
                i = lineEnd(i);
            } else {
                break;
            }
        }
        if (i >= sql.length() || (sql.charAt(i) != '\n' && sql.charAt(i) != '\r')) {
            return -1;
        }
        i++;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
                i++;
            } else if (sql.startsWith("--", i)) {
                i = lineEnd(i);
                if (i >= sql.length()) {
                    return -1; // a comment continues a literal only when a newline ends it
                }
                i++;
            } else {
                break;
            }
        }
        return i < sql.length() && sql.charAt(i) == '\'' ? i + 1 : -1;
    }

    /** @return the position of the newline that ends the line at {@code from}, or the text's end */
    private int lineEnd(int from) {
        int i = from;
        while (i < sql.length() && sql.charAt(i) != '\n' && sql.charAt(i) != '\r') {
            i++;
        }
        return i;
    }

    /**
     * {@code E'...'}: backslash escapes (n, t and the like, octal and hex bytes, and code points
     * after a backslash and u or U) as PostgreSQL reads them; the bytes they make must be UTF-8.
     */
    private Token escapeString(int start) throws SqlError {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        position += 2;
        while (true) {
            if (position >= sql.length()) {
                throw new SqlError("unterminated quoted string at or near \"" + sql.substring(start) + "\"");
            }
            int c = sql.codePointAt(position);
            position += Character.charCount(c);
            if (c == '\'') {
                if (position < sql.length() && sql.charAt(position) == '\'') {
                    bytes.write('\'');
                    position++;
                    continue;
                }
                int continued = continuation(position);
                if (continued < 0) {
                    break;
                }
                position = continued;
                continue;
            }
            if (c != '\\') {
                writeUtf8(bytes, c);
                continue;
            }
            if (position >= sql.length()) {
                throw new SqlError("unterminated quoted string at or near \"" + sql.substring(start) + "\"");
            }
            int escaped = sql.codePointAt(position);
            position += Character.charCount(escaped);
            switch (escaped) {
                case 'b' -> bytes.write('\b');
                case 'f' -> bytes.write('\f');
                case 'n' -> bytes.write('\n');
                case 'r' -> bytes.write('\r');
                case 't' -> bytes.write('\t');
                case '0', '1', '2', '3', '4', '5', '6', '7' -> bytes.write(digits(escaped - '0', 8, 2));
                case 'x' -> {
                    if (position < sql.length() && Character.digit(sql.charAt(position), 16) >= 0) {
                        bytes.write(digits(0, 16, 2));
                    } else {
                        bytes.write('x');
                    }
                }
                case 'u', 'U' -> writeUtf8(bytes, unicodeEscape(start, escaped == 'u' ? 4 : 8));
                default -> writeUtf8(bytes, escaped);
            }
        }
        return new Token(Token.Kind.STRING, utf8(bytes.toByteArray()), sql.substring(start, position), start);
    }

    /** Up to {@code most} more digits of the base after the first, the byte they make. */
    private int digits(int first, int base, int most) {
        int value = first;
        for (int i = 0; i < most && position < sql.length() && Character.digit(sql.charAt(position), base) >= 0; i++) {
            value = value * base + Character.digit(sql.charAt(position++), base);
        }
        return value & 0xFF;
    }

    /** A backslash, u and 4 hex digits, or U and 8, in an escape string; a surrogate pair makes one code point. */
    private int unicodeEscape(int start, int length) throws SqlError {
        int codePoint = hexDigits(length, "invalid Unicode escape: Unicode escapes must be \\uXXXX or \\UXXXXXXXX");
        if (Character.isHighSurrogate((char) codePoint) && length == 4) {
            if (!sql.startsWith("\\u", position)) {
                throw new SqlError("invalid Unicode surrogate pair at or near \"" + sql.substring(start) + "\"");
            }
            position += 2;
            int low = hexDigits(4, "invalid Unicode escape: Unicode escapes must be \\uXXXX or \\UXXXXXXXX");
            if (!Character.isLowSurrogate((char) low)) {
                throw new SqlError("invalid Unicode surrogate pair at or near \"" + sql.substring(start) + "\"");
            }
            return Character.toCodePoint((char) codePoint, (char) low);
        }
        return validCodePoint(codePoint, start);
    }

    private int hexDigits(int length, String malformed) throws SqlError {
        if (position + length > sql.length()) {
            throw new SqlError(SqlState.INVALID_ESCAPE_SEQUENCE, malformed);
        }
        int value = 0;
        for (int i = 0; i < length; i++) {
            int digit = Character.digit(sql.charAt(position + i), 16);
            if (digit < 0) {
                throw new SqlError(SqlState.INVALID_ESCAPE_SEQUENCE, malformed);
            }
            value = value * 16 + digit;
        }
        position += length;
        return value;
    }

    private int validCodePoint(int codePoint, int start) throws SqlError {
        if (codePoint <= 0 || codePoint > Character.MAX_CODE_POINT
                || (codePoint >= Character.MIN_SURROGATE && codePoint <= Character.MAX_SURROGATE)) {
            throw new SqlError("invalid Unicode escape value at or near \"" + sql.substring(start) + "\"");
        }
        return codePoint;
    }

    /** {@code U&'...'}: {@code \XXXX} and {@code \+XXXXXX} code points, {@code \\} a backslash. */
    private Token unicodeString(int start) throws SqlError {
        position += 2;
        Token quoted = stringLiteral(position);
        StringBuilder value = new StringBuilder();
        String text = quoted.text();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != '\\') {
                value.append(c);
                continue;
            }
            if (text.startsWith("\\", i + 1)) {
                value.append('\\');
                i++;
                continue;
            }
            int length = text.startsWith("+", i + 1) ? 6 : 4;
            int from = i + 1 + (length == 6 ? 1 : 0);
            if (!isHex(text, from, from + length)) {
                // A syntax error here, unlike a malformed escape in E'...' (22025): PostgreSQL's own distinction.
                throw new SqlError("invalid Unicode escape: Unicode escapes must be \\XXXX or \\+XXXXXX");
            }
            int codePoint = Integer.parseInt(text, from, from + length, 16);
            if (Character.isHighSurrogate((char) codePoint) && length == 4 && text.startsWith("\\", from + 4)
                    && isHex(text, from + 5, from + 9)
                    && Character.isLowSurrogate((char) Integer.parseInt(text, from + 5, from + 9, 16))) {
                codePoint = Character.toCodePoint((char) codePoint, (char) Integer.parseInt(text, from + 5, from + 9, 16));
                from += 5;
            }
            value.appendCodePoint(validCodePoint(codePoint, start));
            i = from + length - 1;
        }
        return new Token(Token.Kind.STRING, value.toString(), sql.substring(start, position), start);
    }

    /** @return whether {@code text[from, to)} exists and is all hex digits (no sign, which parseInt would take) */
    private static boolean isHex(String text, int from, int to) {
        if (to > text.length()) {
            return false;
        }
        for (int i = from; i < to; i++) {
            if (Character.digit(text.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * @return where the dollar-quote delimiter that begins at {@code from} ends ({@code $tag$},
     *         the tag an identifier without {@code $}, or empty), or -1 when none begins there:
     *         {@code $1} is a parameter
     */
    private int dollarTagEnd(int from) {
        int i = from + 1;
        if (i < sql.length() && isIdentifierStart(sql.charAt(i))) {
            i++;
            while (i < sql.length() && isIdentifierPart(sql.charAt(i)) && sql.charAt(i) != '$') {
                i++;
            }
        }
        return i < sql.length() && sql.charAt(i) == '$' ? i + 1 : -1;
    }

    /** {@code $tag$...$tag$}: everything between, as written. */
    private Token dollarString(int start, String delimiter) throws SqlError {
        int end = sql.indexOf(delimiter, position + delimiter.length());
        if (end < 0) {
            throw new SqlError("unterminated dollar-quoted string at or near \"" + sql.substring(start) + "\"");
        }
        String value = sql.substring(position + delimiter.length(), end);
        position = end + delimiter.length();
        return new Token(Token.Kind.STRING, value, sql.substring(start, position), start);
    }

    private static void writeUtf8(ByteArrayOutputStream bytes, int codePoint) {
        bytes.writeBytes(new String(Character.toChars(codePoint)).getBytes(StandardCharsets.UTF_8));
    }

    /** The bytes of an escape string, which must be UTF-8, as the server encoding is. */
    private static String utf8(byte[] bytes) throws SqlError {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                throw new SqlError(SqlState.CHARACTER_NOT_IN_REPERTOIRE, "invalid byte sequence for encoding \"UTF8\": 0x00");
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new SqlError(SqlState.CHARACTER_NOT_IN_REPERTOIRE, "invalid byte sequence for encoding \"UTF8\"");
        }
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
