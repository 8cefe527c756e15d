package dev.vtrain.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.TreeSet;
import java.util.zip.GZIPInputStream;

/**
 * A character-level text corpus: the vocabulary is the text's sorted distinct characters (Unicode
 * code points), each token is a character's index in it, and the first 90% of the tokens are for
 * training, the last 10% for validation (nanoGPT's {@code shakespeare_char} split). Immutable;
 * thread-safe.
 */
public final class CharCorpus {
    private static final String SHAKESPEARE = "tinyshakespeare.txt.gz";

    private final String name;
    private final Vocabulary vocabulary;
    private final int[] tokens;

    private CharCorpus(String name, Vocabulary vocabulary, int[] tokens) {
        this.name = name;
        this.vocabulary = vocabulary;
        this.tokens = tokens;
    }

    /**
     * The corpus of {@code text}, its vocabulary the text's own characters.
     *
     * @throws DataFormatException if the text is empty
     */
    public static CharCorpus of(String name, String text) {
        if (text.isEmpty()) {
            throw new DataFormatException(
                    name + ": the text is empty; expected at least one character");
        }
        TreeSet<Integer> distinct = new TreeSet<>();
        text.codePoints().forEach(distinct::add);
        int[] cps = distinct.stream().mapToInt(Integer::intValue).toArray();
        Vocabulary v = new Vocabulary(new String(cps, 0, cps.length));
        return new CharCorpus(name, v, v.encode(text, name));
    }

    /**
     * Reads a UTF-8 text file as a corpus.
     *
     * @throws DataFormatException if it is empty or not valid UTF-8 (naming the byte offset)
     * @throws IOException if it cannot be read
     */
    public static CharCorpus read(Path file) throws IOException {
        return of(file.toString(), decodeUtf8(Files.readAllBytes(file), file.toString()));
    }

    /** Tiny Shakespeare, shipped in the jar (public domain; see its attribution file). */
    public static CharCorpus shakespeare() {
        try (InputStream raw = CharCorpus.class.getResourceAsStream(SHAKESPEARE)) {
            if (raw == null) {
                throw new IllegalStateException(
                        "Embedded resource " + SHAKESPEARE + " missing from the vtrain jar");
            }
            try (GZIPInputStream in = new GZIPInputStream(raw)) {
                return of("shakespeare", decodeUtf8(in.readAllBytes(), "shakespeare"));
            }
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read embedded " + SHAKESPEARE, e);
        }
    }

    /**
     * Strict UTF-8 decoding.
     *
     * @throws DataFormatException at the first malformed byte
     */
    static String decodeUtf8(byte[] bytes, String name) {
        CharsetDecoder d =
                StandardCharsets.UTF_8
                        .newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        java.nio.charset.CoderResult r = d.decode(in, out, true);
        if (r.isError()) {
            throw new DataFormatException(
                    name
                            + ": expected UTF-8 text but found an invalid byte sequence at byte "
                            + in.position()
                            + " (0x"
                            + String.format("%02x", bytes[in.position()] & 0xff)
                            + ")");
        }
        d.flush(out);
        out.flip();
        return out.toString();
    }

    /** Where the text came from. */
    public String name() {
        return name;
    }

    /** The vocabulary. */
    public Vocabulary vocabulary() {
        return vocabulary;
    }

    /** Number of tokens (characters). */
    public int size() {
        return tokens.length;
    }

    /** The first 90% of the tokens (a copy). */
    public int[] train() {
        return Arrays.copyOfRange(tokens, 0, splitAt());
    }

    /** The last 10% of the tokens (a copy). */
    public int[] validation() {
        return Arrays.copyOfRange(tokens, splitAt(), tokens.length);
    }

    private int splitAt() {
        return (int) (tokens.length * 0.9);
    }
}
