package dev.vtrain.data;

import java.util.Locale;

/**
 * Per-feature affine scaling {@code x' = (x - shift) / scale}, fitted on training data only and
 * then applied unchanged to validation and test data. Immutable (arrays are copied in and out); any
 * thread may use it.
 */
public final class FeatureScaling {
    /** The scaling methods. */
    public enum Kind {
        /** Zero mean, unit (population) standard deviation; constant features keep scale 1. */
        STANDARDIZE,
        /** Into [0, 1] by training min and max; constant features keep scale 1. */
        MIN_MAX,
        /** Divide by 255, for 8-bit images. */
        DIVIDE_255,
        /** Unchanged. */
        NONE;

        /** Parses {@code standardize}, {@code min-max}, {@code divide-255} or {@code none}. */
        public static Kind parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "standardize", "standard", "zscore" -> STANDARDIZE;
                case "min-max", "minmax" -> MIN_MAX;
                case "divide-255", "255", "image" -> DIVIDE_255;
                case "none" -> NONE;
                default ->
                        throw new IllegalArgumentException(
                                "Unknown scaling '"
                                        + s
                                        + "' (expected standardize, min-max, divide-255 or none)");
            };
        }
    }

    private final Kind kind;
    private final double[] shift;
    private final double[] scale;

    private FeatureScaling(Kind kind, double[] shift, double[] scale) {
        this.kind = kind;
        this.shift = shift;
        this.scale = scale;
    }

    /**
     * A scaling with known statistics (for example read from a model file).
     *
     * @throws IllegalArgumentException if the arrays differ in length or a scale is not positive
     */
    public static FeatureScaling of(Kind kind, double[] shift, double[] scale) {
        if (shift.length != scale.length) {
            throw new IllegalArgumentException(
                    "Scaling needs as many shifts as scales, got "
                            + shift.length
                            + " and "
                            + scale.length);
        }
        for (double s : scale) {
            if (!(s > 0) || !Double.isFinite(s)) {
                throw new IllegalArgumentException(
                        "Scaling factors must be finite and positive, got " + s);
            }
        }
        return new FeatureScaling(kind, shift.clone(), scale.clone());
    }

    /** No scaling (identity) for {@code features} features. */
    public static FeatureScaling none(int features) {
        double[] scale = new double[features];
        java.util.Arrays.fill(scale, 1);
        return new FeatureScaling(Kind.NONE, new double[features], scale);
    }

    /** Fits {@code kind} on {@code train}. */
    public static FeatureScaling fit(Kind kind, Dataset train) {
        int f = train.featureCount();
        int n = train.size();
        double[] shift = new double[f];
        double[] scale = new double[f];
        java.util.Arrays.fill(scale, 1);
        float[] row = new float[f]; // rows are read one at a time: a byte dataset stays bytes
        switch (kind) {
            case STANDARDIZE -> {
                for (int i = 0; i < n; i++) {
                    train.copyRow(i, row, 0);
                    for (int j = 0; j < f; j++) {
                        shift[j] += row[j];
                    }
                }
                for (int j = 0; j < f; j++) {
                    shift[j] /= Math.max(1, n);
                }
                double[] ss = new double[f];
                for (int i = 0; i < n; i++) {
                    train.copyRow(i, row, 0);
                    for (int j = 0; j < f; j++) {
                        double d = row[j] - shift[j];
                        ss[j] += d * d;
                    }
                }
                for (int j = 0; j < f; j++) {
                    double sd = Math.sqrt(ss[j] / Math.max(1, n));
                    scale[j] = sd > 1e-12 ? sd : 1;
                }
            }
            case MIN_MAX -> {
                double[] max = new double[f];
                java.util.Arrays.fill(shift, Double.POSITIVE_INFINITY);
                java.util.Arrays.fill(max, Double.NEGATIVE_INFINITY);
                for (int i = 0; i < n; i++) {
                    train.copyRow(i, row, 0);
                    for (int j = 0; j < f; j++) {
                        shift[j] = Math.min(shift[j], row[j]);
                        max[j] = Math.max(max[j], row[j]);
                    }
                }
                for (int j = 0; j < f; j++) {
                    if (n == 0) {
                        shift[j] = 0;
                    }
                    double range = max[j] - shift[j];
                    scale[j] = n > 0 && range > 1e-12 ? range : 1;
                }
            }
            case DIVIDE_255 -> java.util.Arrays.fill(scale, 255);
            case NONE -> {}
        }
        return new FeatureScaling(kind, shift, scale);
    }

    /** The method. */
    public Kind kind() {
        return kind;
    }

    /** Per-feature shifts (copy). */
    public double[] shift() {
        return shift.clone();
    }

    /** Per-feature scales (copy). */
    public double[] scale() {
        return scale.clone();
    }

    /**
     * Returns {@code data} with scaled features (a new array; {@code data} is unchanged; a
     * byte-backed dataset stays bytes, read through the scaling, and nothing is copied).
     *
     * @throws IllegalArgumentException if the feature count differs from the fitted one
     */
    public Dataset apply(Dataset data) {
        int f = data.featureCount();
        if (f != shift.length) {
            throw new IllegalArgumentException(
                    "Scaling fitted on "
                            + shift.length
                            + " features cannot apply to "
                            + f
                            + " features ("
                            + data.name()
                            + ")");
        }
        if (data.byteBacked()) {
            return data.scaledBytes(shift, scale);
        }
        float[] x = data.features();
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            int j = i % f;
            out[i] = (float) ((x[i] - shift[j]) / scale[j]);
        }
        return data.withFeatures(out);
    }
}
