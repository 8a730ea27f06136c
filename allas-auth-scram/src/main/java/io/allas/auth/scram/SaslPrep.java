package io.allas.auth.scram;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.Optional;

/**
 * SASLprep (RFC 4013, the stringprep profile of RFC 3454) of a password, applied as PostgreSQL's
 * pg_saslprep is: a password that is pure ASCII is used unchanged; otherwise it is mapped,
 * NFKC-normalised and checked, and a password that fails the checks (a prohibited or unassigned
 * character, broken bidirectional text) is used as it was given, as raw UTF-8, rather than
 * refused. libpq and pgjdbc prepare the password on their side the same way.
 *
 * <p>The tables are RFC 3454's for mapping (B.1, C.1.2) and the prohibited characters (C.1.2 to
 * C.9); unassigned code points (A.1) and the bidirectional categories (D.1, D.2) are taken from
 * the JDK's Unicode version rather than Unicode 3.2, and NFKC is the JDK's. The two differ only
 * for characters assigned after Unicode 3.2.
 */
final class SaslPrep {

    private SaslPrep() {
    }

    /**
     * @param password the password as configured or typed
     * @return the bytes Hi is computed over: the SASLprepped password in UTF-8, or the password's
     *         own UTF-8 when it is ASCII or SASLprep refuses it
     */
    static byte[] passwordBytes(String password) {
        return prepare(password).orElse(password).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * @param input the string
     * @return the prepared string, or empty when SASLprep refuses it (PostgreSQL then uses the input)
     */
    static Optional<String> prepare(String input) {
        if (input.chars().allMatch(c -> c < 0x80)) {
            return Optional.of(input);
        }
        // 1. Map: non-ASCII spaces (C.1.2) to SPACE, "commonly mapped to nothing" (B.1) to nothing.
        StringBuilder mapped = new StringBuilder(input.length());
        for (int i = 0; i < input.length(); ) {
            int c = input.codePointAt(i);
            i += Character.charCount(c);
            if (Character.isSurrogate((char) c)) {
                return Optional.empty(); // an unpaired surrogate: not encodable, as invalid UTF-8 in PostgreSQL
            }
            if (isNonAsciiSpace(c)) {
                mapped.append(' ');
            } else if (!isMappedToNothing(c)) {
                mapped.appendCodePoint(c);
            }
        }
        if (mapped.isEmpty()) {
            return Optional.empty();
        }
        // 2. Normalise with NFKC.
        String normalized = Normalizer.normalize(mapped, Normalizer.Form.NFKC);
        // 3. Prohibit; 4. check bidirectional text.
        boolean hasRandAL = false;
        boolean hasL = false;
        for (int i = 0; i < normalized.length(); ) {
            int c = normalized.codePointAt(i);
            i += Character.charCount(c);
            if (isProhibited(c) || !Character.isDefined(c)) {
                return Optional.empty();
            }
            hasRandAL |= isRandAL(c);
            hasL |= Character.getDirectionality(c) == Character.DIRECTIONALITY_LEFT_TO_RIGHT;
        }
        if (hasRandAL) {
            int first = normalized.codePointAt(0);
            int last = normalized.codePointBefore(normalized.length());
            if (hasL || !isRandAL(first) || !isRandAL(last)) {
                return Optional.empty();
            }
        }
        return Optional.of(normalized);
    }

    private static boolean isRandAL(int c) {
        byte d = Character.getDirectionality(c);
        return d == Character.DIRECTIONALITY_RIGHT_TO_LEFT || d == Character.DIRECTIONALITY_RIGHT_TO_LEFT_ARABIC;
    }

    /** RFC 3454 C.1.2, non-ASCII space characters. */
    static boolean isNonAsciiSpace(int c) {
        return c == 0x00A0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200B) || c == 0x202F || c == 0x205F
                || c == 0x3000;
    }

    /** RFC 3454 B.1, commonly mapped to nothing. */
    static boolean isMappedToNothing(int c) {
        return c == 0x00AD || c == 0x034F || c == 0x1806 || (c >= 0x180B && c <= 0x180D)
                || (c >= 0x200B && c <= 0x200D) || c == 0x2060 || (c >= 0xFE00 && c <= 0xFE0F) || c == 0xFEFF;
    }

    /** RFC 3454 C.1.2 and C.2.1 to C.9, the characters SASLprep prohibits. */
    static boolean isProhibited(int c) {
        return isNonAsciiSpace(c)
                // C.2.1 ASCII control characters
                || c <= 0x1F || c == 0x7F
                // C.2.2 non-ASCII control characters
                || (c >= 0x80 && c <= 0x9F) || c == 0x06DD || c == 0x070F || c == 0x180E
                || c == 0x200C || c == 0x200D || c == 0x2028 || c == 0x2029
                || (c >= 0x2060 && c <= 0x2063) || (c >= 0x206A && c <= 0x206F) || c == 0xFEFF
                || (c >= 0xFFF9 && c <= 0xFFFC) || (c >= 0x1D173 && c <= 0x1D17A)
                // C.3 private use
                || (c >= 0xE000 && c <= 0xF8FF) || (c >= 0xF0000 && c <= 0xFFFFD) || (c >= 0x100000 && c <= 0x10FFFD)
                // C.4 non-character code points
                || (c >= 0xFDD0 && c <= 0xFDEF) || (c & 0xFFFE) == 0xFFFE
                // C.5 surrogate codes
                || (c >= 0xD800 && c <= 0xDFFF)
                // C.6 inappropriate for plain text
                || (c >= 0xFFF9 && c <= 0xFFFD)
                // C.7 inappropriate for canonical representation
                || (c >= 0x2FF0 && c <= 0x2FFB)
                // C.8 change display properties or deprecated
                || c == 0x0340 || c == 0x0341 || c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E)
                // C.9 tagging characters
                || c == 0xE0001 || (c >= 0xE0020 && c <= 0xE007F);
    }
}
