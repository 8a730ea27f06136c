package io.allas.server.log;

/**
 * Client-supplied text made safe for a log line: a client must not be able to forge log lines
 * (with CR or LF) or fill the log with one statement. Used wherever such text is logged: what a
 * client sent at startup, its statements, channel names, and the server's errors that quote them.
 */
public final class LogText {

    private LogText() {
    }

    /**
     * @param text      the text, as the client sent it
     * @param maxLength how many of its characters to keep; the cut is marked with {@code ...}
     * @return the text, cut, with control characters escaped: {@code \n}, {@code \r}, {@code \t},
     *         others (C0, DEL, C1) as {@code \xNN}, the Unicode line and paragraph separators as
     *         {@code \u2028} and {@code \u2029}
     */
    public static String escape(String text, int maxLength) {
        int end = Math.min(text.length(), maxLength);
        if (end < text.length() && Character.isHighSurrogate(text.charAt(end - 1))) {
            end--; // never half a character
        }
        StringBuilder escaped = new StringBuilder(end + 8);
        for (int i = 0; i < end; i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\n' -> escaped.append("\\n");
                case '\r' -> escaped.append("\\r");
                case '\t' -> escaped.append("\\t");
                case '\u2028', '\u2029' -> escaped.append(String.format("\\u%04x", (int) c));
                default -> {
                    if (Character.isISOControl(c)) {
                        escaped.append(String.format("\\x%02x", (int) c));
                    } else {
                        escaped.append(c);
                    }
                }
            }
        }
        if (end < text.length()) {
            escaped.append("...");
        }
        return escaped.toString();
    }
}
