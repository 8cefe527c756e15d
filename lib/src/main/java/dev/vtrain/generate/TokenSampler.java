package dev.vtrain.generate;

import java.util.SplittableRandom;

/**
 * Draws a token from logits as nanoGPT's {@code generate} does: divide by the temperature, keep the
 * logits at least as large as the k-th largest (all with {@code topK} 0), softmax, draw one from a
 * seeded generator. Temperature 0 is greedy (the first maximum). Preallocated: {@link #sample}
 * allocates nothing. Not thread-safe.
 */
public final class TokenSampler {
    private final float temperature;
    private final int topK;
    private final SplittableRandom rng;
    private final double[] weights;
    private final float[] sorted;

    /**
     * A sampler over {@code vocab} tokens.
     *
     * @throws IllegalArgumentException if the temperature is negative or not finite, or topK is
     *     negative
     */
    public TokenSampler(int vocab, float temperature, int topK, long seed) {
        if (!(temperature >= 0) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException(
                    "Invalid temperature " + temperature + " (must be a finite value ≥ 0)");
        }
        if (topK < 0) {
            throw new IllegalArgumentException(
                    "Invalid top-k " + topK + " (must be ≥ 0; 0 keeps all)");
        }
        this.temperature = temperature;
        this.topK = topK == 0 ? vocab : Math.min(topK, vocab);
        this.rng = new SplittableRandom(seed);
        this.weights = new double[vocab];
        this.sorted = new float[vocab];
    }

    /** A token drawn from {@code logits[0, vocab)}. */
    public int sample(float[] logits) {
        int n = weights.length;
        if (temperature == 0f) {
            int best = 0;
            for (int i = 1; i < n; i++) {
                if (logits[i] > logits[best]) {
                    best = i;
                }
            }
            return best;
        }
        float threshold = Float.NEGATIVE_INFINITY;
        if (topK < n) {
            System.arraycopy(logits, 0, sorted, 0, n);
            threshold = kthLargest(sorted, n, topK);
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, logits[i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double w = logits[i] >= threshold ? Math.exp((logits[i] - max) / temperature) : 0;
            weights[i] = w;
            sum += w;
        }
        double u = rng.nextDouble() * sum;
        double acc = 0;
        int last = 0;
        for (int i = 0; i < n; i++) {
            if (weights[i] > 0) {
                acc += weights[i];
                last = i;
                if (u < acc) {
                    return i;
                }
            }
        }
        return last;
    }

    /** The k-th largest of a[0, n) by quickselect (reorders a). */
    private static float kthLargest(float[] a, int n, int k) {
        int lo = 0;
        int hi = n - 1;
        int want = k - 1;
        while (lo < hi) {
            float pivot = a[(lo + hi) >>> 1];
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (a[i] > pivot) {
                    i++;
                }
                while (a[j] < pivot) {
                    j--;
                }
                if (i <= j) {
                    float t = a[i];
                    a[i] = a[j];
                    a[j] = t;
                    i++;
                    j--;
                }
            }
            if (want <= j) {
                hi = j;
            } else if (want >= i) {
                lo = i;
            } else {
                return a[want];
            }
        }
        return a[want];
    }
}
