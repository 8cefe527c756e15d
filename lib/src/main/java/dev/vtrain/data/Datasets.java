package dev.vtrain.data;

import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.List;

/**
 * Datasets from the caller's arrays or buffers, for in-process training: classification (one class
 * index per sample) and regression (one or more targets per sample). Values are copied, so the
 * caller may reuse its arrays; every value is checked (finite features and targets, labels in
 * range), and a bad one is named by sample and column. Any thread may call these.
 */
public final class Datasets {
    private Datasets() {}

    /**
     * A classification dataset of {@code rows.length} samples.
     *
     * @param rows one feature array per sample, all the same length
     * @param labels one class index per sample, in {@code [0, classNames.size())}
     * @param classNames class names, index = class
     * @throws IllegalArgumentException naming the first sample or value that does not fit
     */
    public static Dataset classification(
            String name, float[][] rows, int[] labels, List<String> classNames) {
        return classification(name, flatten(name, rows), width(name, rows), labels, classNames);
    }

    /**
     * A classification dataset from row-major features ({@code labels.length × featureCount}).
     *
     * @throws IllegalArgumentException naming the first sample or value that does not fit
     */
    public static Dataset classification(
            String name,
            float[] features,
            int featureCount,
            int[] labels,
            List<String> classNames) {
        if (classNames.size() < 2) {
            throw new IllegalArgumentException(
                    name + ": a classifier needs at least 2 classes, got " + classNames);
        }
        float[] targets = new float[labels.length];
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classNames.size()) {
                throw new IllegalArgumentException(
                        name
                                + ": sample "
                                + i
                                + " has label "
                                + labels[i]
                                + " but the classes are 0.."
                                + (classNames.size() - 1)
                                + " "
                                + classNames);
            }
            targets[i] = labels[i];
        }
        return checked(name, features.clone(), featureCount, targets, 1, classNames);
    }

    /**
     * A classification dataset read from buffers (from their positions to their limits; the
     * buffers' positions are not moved).
     *
     * @throws IllegalArgumentException naming the first sample or value that does not fit
     */
    public static Dataset classification(
            String name,
            FloatBuffer features,
            int featureCount,
            IntBuffer labels,
            List<String> classNames) {
        float[] x = new float[features.remaining()];
        features.duplicate().get(x);
        int[] y = new int[labels.remaining()];
        labels.duplicate().get(y);
        return classification(name, x, featureCount, y, classNames);
    }

    /**
     * A regression dataset: {@code rows[i]} are sample i's features, {@code targets[i]} its targets
     * (all rows and all target arrays the same length).
     *
     * @throws IllegalArgumentException naming the first sample or value that does not fit
     */
    public static Dataset regression(String name, float[][] rows, float[][] targets) {
        if (targets.length != rows.length) {
            throw new IllegalArgumentException(
                    name + ": " + rows.length + " samples but " + targets.length + " target rows");
        }
        return checked(
                name,
                flatten(name, rows),
                width(name, rows),
                flatten(name + " targets", targets),
                width(name + " targets", targets),
                List.of());
    }

    /**
     * A regression dataset read from buffers of row-major features and targets (positions to
     * limits; positions not moved).
     *
     * @throws IllegalArgumentException naming the first sample or value that does not fit
     */
    public static Dataset regression(
            String name,
            FloatBuffer features,
            int featureCount,
            FloatBuffer targets,
            int targetWidth) {
        float[] x = new float[features.remaining()];
        features.duplicate().get(x);
        float[] y = new float[targets.remaining()];
        targets.duplicate().get(y);
        return checked(name, x, featureCount, y, targetWidth, List.of());
    }

    private static Dataset checked(
            String name,
            float[] features,
            int featureCount,
            float[] targets,
            int targetWidth,
            List<String> classNames) {
        Dataset d = new Dataset(name, features, featureCount, targets, targetWidth, classNames);
        for (int i = 0; i < features.length; i++) {
            if (!Float.isFinite(features[i])) {
                throw new IllegalArgumentException(
                        name
                                + ": sample "
                                + i / featureCount
                                + ", feature "
                                + i % featureCount
                                + " is "
                                + features[i]
                                + " (expected a finite number)");
            }
        }
        for (int i = 0; i < targets.length; i++) {
            if (!Float.isFinite(targets[i])) {
                throw new IllegalArgumentException(
                        name
                                + ": sample "
                                + i / targetWidth
                                + ", target "
                                + i % targetWidth
                                + " is "
                                + targets[i]
                                + " (expected a finite number)");
            }
        }
        return d;
    }

    private static int width(String name, float[][] rows) {
        if (rows.length == 0) {
            throw new IllegalArgumentException(name + ": no samples");
        }
        return rows[0].length;
    }

    private static float[] flatten(String name, float[][] rows) {
        int w = width(name, rows);
        float[] out = new float[rows.length * w];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] == null || rows[i].length != w) {
                throw new IllegalArgumentException(
                        name
                                + ": sample "
                                + i
                                + " has "
                                + (rows[i] == null ? "no array" : rows[i].length + " values")
                                + " but sample 0 has "
                                + w);
            }
            System.arraycopy(rows[i], 0, out, i * w, w);
        }
        return out;
    }
}
