package dev.vtrain.data;

import java.util.List;

/**
 * Scaling of regression targets, fitted on the training part: the network learns {@code (y - shift)
 * / scale} per target column, and its outputs are mapped back with {@link #invert}. Targets around
 * 3e5 train as well as targets around 1 this way (PyTorch leaves this to the user; sklearn's {@code
 * TransformedTargetRegressor} does the same). Immutable; any thread may call it.
 */
public final class TargetScaling {
    private final FeatureScaling columns;
    private final double[] shift;
    private final double[] scale;

    private TargetScaling(FeatureScaling columns) {
        this.columns = columns;
        this.shift = columns.shift();
        this.scale = columns.scale();
    }

    /** No scaling (identity) for {@code width} targets. */
    public static TargetScaling none(int width) {
        return new TargetScaling(FeatureScaling.none(width));
    }

    /**
     * A scaling with known statistics (for example read from a model file).
     *
     * @throws IllegalArgumentException if the arrays differ in length or a scale is not positive
     */
    public static TargetScaling of(FeatureScaling.Kind kind, double[] shift, double[] scale) {
        return new TargetScaling(FeatureScaling.of(kind, shift, scale));
    }

    /** Fits {@code kind} (standardize, min-max or none) on the targets of {@code train}. */
    public static TargetScaling fit(FeatureScaling.Kind kind, Dataset train) {
        Dataset targetsAsFeatures =
                new Dataset(
                        train.name(),
                        train.targets(),
                        train.targetWidth(),
                        train.targets(),
                        train.targetWidth(),
                        List.of());
        return new TargetScaling(FeatureScaling.fit(kind, targetsAsFeatures));
    }

    /** The method. */
    public FeatureScaling.Kind kind() {
        return columns.kind();
    }

    /** Per-target shifts (copy). */
    public double[] shift() {
        return columns.shift();
    }

    /** Per-target scales (copy). */
    public double[] scale() {
        return columns.scale();
    }

    /**
     * {@code data} with scaled targets (a new array; {@code data} is unchanged).
     *
     * @throws IllegalArgumentException if the target width differs from the fitted one
     */
    public Dataset apply(Dataset data) {
        Dataset t =
                columns.apply(
                        new Dataset(
                                data.name(),
                                data.targets(),
                                data.targetWidth(),
                                data.targets(),
                                data.targetWidth(),
                                List.of()));
        return data.withTargets(t.features());
    }

    /**
     * Maps scaled values (row-major, one row per sample, as many columns as targets) back to the
     * targets' units, in place.
     */
    public void invert(float[] values) {
        invert(values, 0, values.length);
    }

    /**
     * As {@link #invert(float[])} on the {@code length} values from {@code offset} (whole rows);
     * allocates nothing.
     */
    public void invert(float[] values, int offset, int length) {
        int w = shift.length;
        for (int i = 0; i < length; i++) {
            values[offset + i] = (float) (values[offset + i] * scale[i % w] + shift[i % w]);
        }
    }
}
