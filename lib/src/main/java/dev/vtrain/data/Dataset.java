package dev.vtrain.data;

import java.util.List;

/**
 * Samples held on the heap: {@code features} is row-major ({@code size × featureCount}), {@code
 * targets} is {@code size × targetWidth} (one class index per row for classification, stored as a
 * float; the regression targets otherwise). Arrays are shared, not copied: treat them as read-only.
 *
 * @param name where the data came from, for messages and reports
 * @param features row-major features
 * @param featureCount features per sample
 * @param targets row-major targets
 * @param targetWidth targets per sample
 * @param classNames class names for classification (index = class), empty for regression
 */
// A data carrier: arrays are shared on purpose (large, read-only); equality is identity.
@SuppressWarnings("ArrayRecordComponent")
public record Dataset(
        String name,
        float[] features,
        int featureCount,
        float[] targets,
        int targetWidth,
        List<String> classNames) {

    /** Validates the array sizes. */
    public Dataset {
        if (featureCount <= 0 || targetWidth <= 0) {
            throw new IllegalArgumentException(
                    name
                            + ": feature count and target width must be positive, got "
                            + featureCount
                            + " and "
                            + targetWidth);
        }
        if (features.length % featureCount != 0
                || targets.length % targetWidth != 0
                || features.length / featureCount != targets.length / targetWidth) {
            throw new IllegalArgumentException(
                    name
                            + ": "
                            + features.length
                            + " feature values and "
                            + targets.length
                            + " targets do not make whole samples of "
                            + featureCount
                            + " features and "
                            + targetWidth
                            + " targets");
        }
        classNames = List.copyOf(classNames);
    }

    /** Number of samples. */
    public int size() {
        return features.length / featureCount;
    }

    /** Number of classes (0 for regression). */
    public int numClasses() {
        return classNames.size();
    }

    /** True when targets are class indices. */
    public boolean isClassification() {
        return !classNames.isEmpty();
    }

    /** The samples at {@code indices}, in that order (copies). */
    public Dataset subset(String subsetName, int[] indices) {
        float[] f = new float[indices.length * featureCount];
        float[] t = new float[indices.length * targetWidth];
        for (int i = 0; i < indices.length; i++) {
            int src = indices[i];
            if (src < 0 || src >= size()) {
                throw new IndexOutOfBoundsException("sample " + src + " of " + size());
            }
            System.arraycopy(features, src * featureCount, f, i * featureCount, featureCount);
            System.arraycopy(targets, src * targetWidth, t, i * targetWidth, targetWidth);
        }
        return new Dataset(subsetName, f, featureCount, t, targetWidth, classNames);
    }

    /** The same samples with other features (same count per sample). */
    public Dataset withFeatures(float[] newFeatures) {
        return new Dataset(name, newFeatures, featureCount, targets, targetWidth, classNames);
    }
}
