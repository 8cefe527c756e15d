package dev.vtrain.io;

/**
 * Text from an input, made safe to quote in a one-line message: control characters are escaped
 * ({@code \n}, {@code \t}, {@code \u0007}) and anything past {@value #MAX} characters is cut with
 * "…". Stateless; any thread may call it.
 */
public final class Printable {
    /** Longest quoted text kept. */
    public static final int MAX = 200;

    private Printable() {}

    /**
     * A whole message made one line: control characters escaped, nothing cut. Exceptions whose
     * messages quote input ({@link SafetensorsException}, {@code DataFormatException}, {@code
     * SpecException}) pass their messages through this.
     */
    public static String line(String message) {
        return message == null ? null : escape(message, Integer.MAX_VALUE);
    }

    /** {@code text} with control characters escaped, cut to {@link #MAX} characters. */
    public static String of(String text) {
        return escape(text, MAX);
    }

    private static String escape(String text, int max) {
        StringBuilder sb = new StringBuilder(Math.min(text.length(), max) + 8);
        for (int i = 0; i < text.length(); i++) {
            if (sb.length() >= max) {
                return sb.append('…').toString();
            }
            char c = text.charAt(i);
            switch (c) {
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20
                            || c == 0x7f
                            || (c >= 0x80 && c < 0xa0)
                            || c == '\u2028'
                            || c == '\u2029') {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.toString();
    }
}
