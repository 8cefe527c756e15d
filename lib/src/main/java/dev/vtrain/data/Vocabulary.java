package dev.vtrain.data;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * A character vocabulary: token i is the i-th code point of a string of distinct characters (stored
 * in model files as that string). Immutable; thread-safe.
 */
public final class Vocabulary {
    private final String characters;
    private final int[] codePoints;

    /**
     * The vocabulary whose tokens are the characters of {@code characters}, in order.
     *
     * @throws IllegalArgumentException if it is empty or repeats a character
     */
    public Vocabulary(String characters) {
        this.characters = characters;
        this.codePoints = characters.codePoints().toArray();
        if (codePoints.length == 0) {
            throw new IllegalArgumentException("A vocabulary needs at least one character");
        }
        if (Arrays.stream(codePoints).distinct().count() != codePoints.length) {
            throw new IllegalArgumentException(
                    "The vocabulary repeats a character: " + show(characters));
        }
    }

    /** Tokens in the vocabulary. */
    public int size() {
        return codePoints.length;
    }

    /** The characters in token order. */
    public String characters() {
        return characters;
    }

    /** The token of code point {@code cp}, or -1. */
    public int token(int cp) {
        // Sorted vocabularies (a corpus's own) are searched; others scanned.
        int i = Arrays.binarySearch(codePoints, cp);
        if (i >= 0 && codePoints[i] == cp) {
            return i;
        }
        for (int j = 0; j < codePoints.length; j++) {
            if (codePoints[j] == cp) {
                return j;
            }
        }
        return -1;
    }

    /**
     * The tokens of {@code text}.
     *
     * @throws DataFormatException naming every character of {@code text} (from {@code source}) that
     *     is not in the vocabulary
     */
    public int[] encode(String text, String source) {
        int[] cps = text.codePoints().toArray();
        int[] out = new int[cps.length];
        Set<Integer> unknown = new LinkedHashSet<>();
        for (int i = 0; i < cps.length; i++) {
            out[i] = token(cps[i]);
            if (out[i] < 0) {
                unknown.add(cps[i]);
            }
        }
        if (!unknown.isEmpty()) {
            StringBuilder sb = new StringBuilder();
            for (int cp : unknown) {
                sb.append(sb.isEmpty() ? "" : ", ").append(show(new String(Character.toChars(cp))));
            }
            throw new DataFormatException(
                    source
                            + ": "
                            + unknown.size()
                            + " character(s) not in the model's vocabulary of "
                            + size()
                            + ": "
                            + sb);
        }
        return out;
    }

    /** The character of token {@code id} as a string. */
    public String decode(int id) {
        return new String(Character.toChars(codePoints[id]));
    }

    /** Appends the character of token {@code id} to {@code out} (no allocation). */
    public void decodeTo(int id, StringBuilder out) {
        out.appendCodePoint(codePoints[id]);
    }

    /** A character shown for a message: printable as itself in quotes, others as U+XXXX. */
    static String show(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints()
                .forEach(
                        cp -> {
                            if (cp >= 0x20 && cp != 0x7f && !Character.isISOControl(cp)) {
                                sb.append('\'').appendCodePoint(cp).append('\'');
                            } else {
                                sb.append(String.format("U+%04X", cp));
                            }
                            sb.append(' ');
                        });
        return sb.toString().trim();
    }
}
