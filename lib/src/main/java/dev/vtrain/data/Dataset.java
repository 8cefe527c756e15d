package dev.vtrain.data;

import java.util.List;

/**
 * Samples held on the heap: features row-major ({@code size × featureCount}), targets {@code size ×
 * targetWidth} (one class index per row for classification, stored as a float; the regression
 * targets otherwise). Features are floats, or — for images — the raw bytes with a per-feature
 * scaling ({@code x = (b − shift) / scale}) applied as rows are read, so a 60,000-image dataset
 * takes 47 MB instead of 188 MB and scaling it copies nothing. Arrays are shared, not copied: treat
 * them as read-only. Immutable; any thread may read it.
 */
public final class Dataset {
    private final String name;
    private final float[] features;
    private final byte[] bytes;
    private final double[] shift;
    private final double[] scale;
    private final int featureCount;
    private final float[] targets;
    private final int targetWidth;
    private final List<String> classNames;

    /**
     * A dataset of float features.
     *
     * @param name where the data came from, for messages and reports
     * @param features row-major features
     * @param featureCount features per sample
     * @param targets row-major targets
     * @param targetWidth targets per sample
     * @param classNames class names for classification (index = class), empty for regression
     * @throws IllegalArgumentException if the sizes do not make whole samples
     */
    public Dataset(
            String name,
            float[] features,
            int featureCount,
            float[] targets,
            int targetWidth,
            List<String> classNames) {
        this(name, features, null, null, null, featureCount, targets, targetWidth, classNames);
    }

    private Dataset(
            String name,
            float[] features,
            byte[] bytes,
            double[] shift,
            double[] scale,
            int featureCount,
            float[] targets,
            int targetWidth,
            List<String> classNames) {
        if (featureCount <= 0 || targetWidth <= 0) {
            throw new IllegalArgumentException(
                    name
                            + ": feature count and target width must be positive, got "
                            + featureCount
                            + " and "
                            + targetWidth);
        }
        int values = features != null ? features.length : bytes.length;
        if (values % featureCount != 0
                || targets.length % targetWidth != 0
                || values / featureCount != targets.length / targetWidth) {
            throw new IllegalArgumentException(
                    name
                            + ": "
                            + values
                            + " feature values and "
                            + targets.length
                            + " targets do not make whole samples of "
                            + featureCount
                            + " features and "
                            + targetWidth
                            + " targets");
        }
        this.name = name;
        this.features = features;
        this.bytes = bytes;
        this.shift = shift;
        this.scale = scale;
        this.featureCount = featureCount;
        this.targets = targets;
        this.targetWidth = targetWidth;
        this.classNames = List.copyOf(classNames);
    }

    /**
     * A dataset of byte features (unsigned, 0–255, e.g. pixels), read as floats unscaled until
     * {@link FeatureScaling#apply} gives it a scaling.
     *
     * @throws IllegalArgumentException if the sizes do not make whole samples
     */
    public static Dataset ofBytes(
            String name,
            byte[] bytes,
            int featureCount,
            float[] targets,
            int targetWidth,
            List<String> classNames) {
        double[] scale = new double[featureCount];
        java.util.Arrays.fill(scale, 1);
        return new Dataset(
                name,
                null,
                bytes,
                new double[featureCount],
                scale,
                featureCount,
                targets,
                targetWidth,
                classNames);
    }

    /** Where the data came from, for messages and reports. */
    public String name() {
        return name;
    }

    /**
     * The features, row-major. For a byte-backed dataset this builds a new float array (size ×
     * featureCount): read rows with {@link #copyRow} instead where memory matters.
     */
    public float[] features() {
        if (features != null) {
            return features;
        }
        float[] x = new float[bytes.length];
        for (int r = 0; r < size(); r++) {
            copyRow(r, x, r * featureCount);
        }
        return x;
    }

    /**
     * Writes sample {@code row}'s features (scaled) into {@code dst} from {@code offset},
     * overwriting {@code featureCount} values. Allocates nothing.
     */
    public void copyRow(int row, float[] dst, int offset) {
        int f = featureCount;
        if (features != null) {
            System.arraycopy(features, row * f, dst, offset, f);
            return;
        }
        int base = row * f;
        for (int j = 0; j < f; j++) {
            dst[offset + j] = (float) (((bytes[base + j] & 0xFF) - shift[j]) / scale[j]);
        }
    }

    /** Whether the features are bytes read through a scaling (see {@link #ofBytes}). */
    public boolean byteBacked() {
        return bytes != null;
    }

    /** Features per sample. */
    public int featureCount() {
        return featureCount;
    }

    /** The targets, row-major. */
    public float[] targets() {
        return targets;
    }

    /** Targets per sample. */
    public int targetWidth() {
        return targetWidth;
    }

    /** Class names for classification (index = class), empty for regression. */
    public List<String> classNames() {
        return classNames;
    }

    /** Number of samples. */
    public int size() {
        return targets.length / targetWidth;
    }

    /** Number of classes (0 for regression). */
    public int numClasses() {
        return classNames.size();
    }

    /** True when targets are class indices. */
    public boolean isClassification() {
        return !classNames.isEmpty();
    }

    /** The samples at {@code indices}, in that order (copies; bytes stay bytes). */
    public Dataset subset(String subsetName, int[] indices) {
        int f = featureCount;
        float[] t = new float[indices.length * targetWidth];
        float[] fl = features == null ? null : new float[indices.length * f];
        byte[] by = bytes == null ? null : new byte[indices.length * f];
        for (int i = 0; i < indices.length; i++) {
            int src = indices[i];
            if (src < 0 || src >= size()) {
                throw new IndexOutOfBoundsException("sample " + src + " of " + size());
            }
            if (fl != null) {
                System.arraycopy(features, src * f, fl, i * f, f);
            } else {
                System.arraycopy(bytes, src * f, by, i * f, f);
            }
            System.arraycopy(targets, src * targetWidth, t, i * targetWidth, targetWidth);
        }
        return new Dataset(subsetName, fl, by, shift, scale, f, t, targetWidth, classNames);
    }

    /** The same samples with other float features (same count per sample). */
    public Dataset withFeatures(float[] newFeatures) {
        return new Dataset(name, newFeatures, featureCount, targets, targetWidth, classNames);
    }

    /** The same samples and features with other targets (same width). */
    public Dataset withTargets(float[] newTargets) {
        return new Dataset(
                name,
                features,
                bytes,
                shift,
                scale,
                featureCount,
                newTargets,
                targetWidth,
                classNames);
    }

    /**
     * A byte-backed dataset read through one more scaling, {@code (x − s) / c} after the current
     * one: nothing is copied.
     *
     * @throws IllegalStateException if the dataset is not byte-backed
     */
    Dataset scaledBytes(double[] s, double[] c) {
        if (bytes == null) {
            throw new IllegalStateException(name + " is not byte-backed");
        }
        double[] newShift = new double[featureCount];
        double[] newScale = new double[featureCount];
        for (int j = 0; j < featureCount; j++) {
            // ((b − s0) / c0 − s) / c = (b − (s0 + s·c0)) / (c0·c)
            newShift[j] = shift[j] + s[j] * scale[j];
            newScale[j] = scale[j] * c[j];
        }
        return new Dataset(
                name,
                null,
                bytes,
                newShift,
                newScale,
                featureCount,
                targets,
                targetWidth,
                classNames);
    }
}
