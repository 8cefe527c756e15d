package dev.vtrain.data;

/**
 * Random training windows over a token sequence, as nanoGPT's {@code get_batch}: a batch is {@code
 * batch} windows of {@code block + 1} consecutive tokens at seeded random starts, the inputs their
 * first {@code block} tokens and the targets their last {@code block}. Batch {@code i}'s starts
 * depend only on the seed and i, so a run can be repeated or resumed at any iteration. Allocates
 * nothing per batch; thread-safe (stateless after construction).
 */
public final class TokenWindows {
    private final int[] tokens;
    private final int block;
    private final long seed;

    /**
     * Windows of {@code block} over {@code tokens} (not copied: treat it as read-only).
     *
     * @throws DataFormatException if the tokens are fewer than {@code block + 1}
     */
    public TokenWindows(String name, int[] tokens, int block, long seed) {
        if (block < 1) {
            throw new IllegalArgumentException("Invalid block " + block + " (must be ≥ 1)");
        }
        if (tokens.length < block + 1) {
            throw new DataFormatException(
                    name
                            + ": "
                            + tokens.length
                            + " characters are fewer than the block of "
                            + block
                            + " plus one; expected a longer text or a smaller --block");
        }
        this.tokens = tokens;
        this.block = block;
        this.seed = seed;
    }

    /** Tokens per window. */
    public int block() {
        return block;
    }

    /** Distinct window starts. */
    public int starts() {
        return tokens.length - block;
    }

    /** The start of window {@code row} of batch {@code index}. */
    public int start(long index, int row) {
        long z =
                seed * 0x9E3779B97F4A7C15L
                        + index * 0xBF58476D1CE4E5B9L
                        + row * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (int) Math.floorMod(z, (long) starts());
    }

    /**
     * Overwrites the first {@code rows · block} values of {@code x} and {@code y} with batch {@code
     * index}: inputs and next-token targets, row-major, as floats.
     */
    public void fill(long index, int rows, float[] x, float[] y) {
        for (int r = 0; r < rows; r++) {
            int s = start(index, r);
            int o = r * block;
            for (int t = 0; t < block; t++) {
                x[o + t] = tokens[s + t];
                y[o + t] = tokens[s + t + 1];
            }
        }
    }
}
