package dev.vtrain.data;

/**
 * Seeded, shuffled splits of one dataset into training, validation and test parts. Stateless; any
 * thread may call it.
 */
public final class Splits {
    private Splits() {}

    /**
     * The three parts; validation or test may be empty ({@code size() == 0}) only if asked for 0.
     */
    public record Split(Dataset train, Dataset validation, Dataset test) {}

    /**
     * Shuffles {@code all} with {@code seed} and takes {@code round(n · testFraction)} samples for
     * test, {@code round(n · valFraction)} for validation and the rest for training.
     *
     * @throws IllegalArgumentException if a fraction is outside [0, 1) or they leave no training
     *     data
     */
    public static Split split(Dataset all, double valFraction, double testFraction, long seed) {
        check("validation split", valFraction);
        check("test split", testFraction);
        int n = all.size();
        int nTest = (int) Math.round(n * testFraction);
        int nVal = (int) Math.round(n * valFraction);
        if (n - nTest - nVal < 1) {
            throw new IllegalArgumentException(
                    "Splits of "
                            + valFraction
                            + " (validation) and "
                            + testFraction
                            + " (test) leave no training data out of "
                            + n
                            + " samples");
        }
        int[] order = permutation(n, seed);
        return new Split(
                all.subset(all.name() + "[train]", slice(order, nTest + nVal, n)),
                all.subset(all.name() + "[validation]", slice(order, nTest, nTest + nVal)),
                all.subset(all.name() + "[test]", slice(order, 0, nTest)));
    }

    /**
     * Splits {@code train} into training and validation parts only (for datasets that come with
     * their own test set).
     */
    public static Split holdOut(Dataset train, Dataset test, double valFraction, long seed) {
        Split s = split(train, valFraction, 0, seed);
        return new Split(s.train(), s.validation(), test);
    }

    private static void check(String what, double f) {
        if (!(f >= 0 && f < 1)) {
            throw new IllegalArgumentException(
                    "Invalid " + what + ": " + f + " (must be in [0, 1))");
        }
    }

    /** A seeded random permutation of [0, n). */
    static int[] permutation(int n, long seed) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    private static int[] slice(int[] a, int from, int to) {
        return java.util.Arrays.copyOfRange(a, from, to);
    }
}
