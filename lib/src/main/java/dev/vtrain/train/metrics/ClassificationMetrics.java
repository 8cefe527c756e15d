package dev.vtrain.train.metrics;

import java.util.ArrayList;
import java.util.List;

/**
 * Classification metrics from scores (n × classes, e.g. logits) and integer labels, following
 * scikit-learn's {@code classification_report}: a precision or recall with a zero denominator is 0;
 * macro and weighted averages run over the classes that occur in the labels or the predictions (a
 * class that never occurs and is never predicted is listed but not averaged). Immutable (the
 * confusion matrix is copied in and out); any thread may read it.
 *
 * @param classNames class names, index = class
 * @param confusion confusion[actual][predicted] counts
 * @param accuracy fraction of rows whose arg-max equals the label
 * @param topK k of {@link #topKAccuracy}
 * @param topKAccuracy fraction of rows whose label is among the k highest scores
 * @param perClass per-class precision, recall, F1 and support
 * @param macro unweighted mean over the averaged classes
 * @param weighted support-weighted mean over the averaged classes
 */
// The matrix is copied on the way in and out, so the record behaves as a value.
@SuppressWarnings("ArrayRecordComponent")
public record ClassificationMetrics(
        List<String> classNames,
        long[][] confusion,
        double accuracy,
        int topK,
        double topKAccuracy,
        List<ClassScore> perClass,
        ClassScore macro,
        ClassScore weighted) {

    /** Copies the matrix. */
    public ClassificationMetrics {
        confusion = copy(confusion);
    }

    /** A copy of the confusion matrix, confusion[actual][predicted]. */
    @Override
    public long[][] confusion() {
        return copy(confusion);
    }

    private static long[][] copy(long[][] m) {
        long[][] c = new long[m.length][];
        for (int i = 0; i < m.length; i++) {
            c[i] = m[i].clone();
        }
        return c;
    }

    /**
     * Precision, recall, F1 and support of one class (or an average).
     *
     * @param name class name, or "macro avg" / "weighted avg"
     * @param precision TP / (TP + FP), 0 when nothing was predicted as this class
     * @param recall TP / (TP + FN), 0 when the class never occurs
     * @param f1 harmonic mean of precision and recall, 0 when both are 0
     * @param support rows whose label is this class
     */
    public record ClassScore(
            String name, double precision, double recall, double f1, long support) {}

    /**
     * Computes the metrics.
     *
     * @param scores row-major scores, {@code labels.length × classNames.size()}
     * @param labels class index per row
     * @param topK k for top-k accuracy (clamped to the class count)
     * @throws IllegalArgumentException on inconsistent sizes or a label out of range
     */
    public static ClassificationMetrics compute(
            float[] scores, float[] labels, List<String> classNames, int topK) {
        int c = classNames.size();
        int n = labels.length;
        if (c < 1 || scores.length != (long) n * c) {
            throw new IllegalArgumentException(
                    "Scores must be " + n + " × " + c + " values, got " + scores.length);
        }
        int k = Math.max(1, Math.min(topK, c));
        long[][] confusion = new long[c][c];
        long hitsTopK = 0;
        for (int i = 0; i < n; i++) {
            int label = (int) labels[i];
            if (label != labels[i] || label < 0 || label >= c) {
                throw new IllegalArgumentException(
                        "Label "
                                + labels[i]
                                + " in row "
                                + i
                                + " is not a class in [0, "
                                + c
                                + ")");
            }
            int best = 0;
            int rank = 0;
            float target = scores[i * c + label];
            for (int j = 0; j < c; j++) {
                float s = scores[i * c + j];
                if (s > scores[i * c + best]) {
                    best = j;
                }
                if (s > target || (s == target && j < label)) {
                    rank++;
                }
            }
            confusion[label][best]++;
            if (rank < k) {
                hitsTopK++;
            }
        }
        long correct = 0;
        List<ClassScore> perClass = new ArrayList<>();
        double mp = 0;
        double mr = 0;
        double mf = 0;
        double wp = 0;
        double wr = 0;
        double wf = 0;
        int averaged = 0;
        for (int j = 0; j < c; j++) {
            long tp = confusion[j][j];
            long support = 0;
            long predicted = 0;
            for (int i = 0; i < c; i++) {
                support += confusion[j][i];
                predicted += confusion[i][j];
            }
            correct += tp;
            double p = predicted == 0 ? 0 : (double) tp / predicted;
            double r = support == 0 ? 0 : (double) tp / support;
            double f = p + r == 0 ? 0 : 2 * p * r / (p + r);
            perClass.add(new ClassScore(classNames.get(j), p, r, f, support));
            if (support > 0 || predicted > 0) {
                averaged++;
                mp += p;
                mr += r;
                mf += f;
                wp += p * support;
                wr += r * support;
                wf += f * support;
            }
        }
        ClassScore macro =
                new ClassScore(
                        "macro avg",
                        averaged == 0 ? 0 : mp / averaged,
                        averaged == 0 ? 0 : mr / averaged,
                        averaged == 0 ? 0 : mf / averaged,
                        n);
        ClassScore weighted =
                new ClassScore(
                        "weighted avg",
                        n == 0 ? 0 : wp / n,
                        n == 0 ? 0 : wr / n,
                        n == 0 ? 0 : wf / n,
                        n);
        return new ClassificationMetrics(
                List.copyOf(classNames),
                confusion,
                n == 0 ? Double.NaN : (double) correct / n,
                k,
                n == 0 ? Double.NaN : (double) hitsTopK / n,
                List.copyOf(perClass),
                macro,
                weighted);
    }
}
