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

    /** {@code text} with control characters escaped, cut to {@link #MAX} characters. */
    public static String of(String text) {
        StringBuilder sb = new StringBuilder(Math.min(text.length(), MAX) + 8);
        for (int i = 0; i < text.length(); i++) {
            if (sb.length() >= MAX) {
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
