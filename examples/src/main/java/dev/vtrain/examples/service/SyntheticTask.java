package dev.vtrain.examples.service;

import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Labelled samples for the example: {@code classes} Gaussian clusters in {@code features}
 * dimensions (unit variance around seeded centres two units apart on average), so a small network
 * learns them to high accuracy in a few hundred steps.
 */
public final class SyntheticTask {
    private final int features;
    private final List<String> classes;
    private final float[][] centres;

    /** A task of {@code classes.size()} clusters in {@code features} dimensions. */
    public SyntheticTask(int features, List<String> classes, long seed) {
        this.features = features;
        this.classes = List.copyOf(classes);
        SplittableRandom rng = new SplittableRandom(seed);
        this.centres = new float[classes.size()][features];
        for (float[] c : centres) {
            for (int i = 0; i < features; i++) {
                c[i] = (float) (rng.nextGaussian() * 1.5);
            }
        }
    }

    /** Features per sample. */
    public int features() {
        return features;
    }

    /** Class names. */
    public List<String> classes() {
        return classes;
    }

    /** Writes one sample of class {@code label} into {@code x}. */
    public void sample(int label, float[] x, SplittableRandom rng) {
        for (int i = 0; i < features; i++) {
            x[i] = centres[label][i] + (float) rng.nextGaussian();
        }
    }

    /** One sample as CSV cells ({@code x1,...,xn}). */
    public static String csv(float[] x) {
        StringBuilder b = new StringBuilder(x.length * 8);
        for (int i = 0; i < x.length; i++) {
            b.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.4f", x[i]));
        }
        return b.toString();
    }

    /** {@code n} labelled lines ({@code label,x1,...,xn}) for {@code POST /examples}. */
    public String examples(int n, SplittableRandom rng) {
        StringBuilder b = new StringBuilder();
        float[] x = new float[features];
        for (int i = 0; i < n; i++) {
            int label = rng.nextInt(classes.size());
            sample(label, x, rng);
            b.append(classes.get(label)).append(',').append(csv(x)).append('\n');
        }
        return b.toString();
    }
}
