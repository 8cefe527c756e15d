package dev.vtrain.train.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Metrics against hand-computed confusion matrices, including a class that never occurs. */
class MetricsTest {
    /** One-hot scores: row i predicts {@code predicted[i]}; the runner-up is {@code second[i]}. */
    private static float[] scores(int[] predicted, int[] second, int classes) {
        float[] s = new float[predicted.length * classes];
        for (int i = 0; i < predicted.length; i++) {
            s[i * classes + predicted[i]] = 2f;
            s[i * classes + second[i]] = 1f;
        }
        return s;
    }

    @Test
    void handComputedConfusionMatrixWithAnAbsentClass() {
        // Classes a, b, c, d; d never occurs and is never predicted.
        float[] labels = {0, 0, 0, 1, 1, 2, 2, 2};
        int[] predicted = {0, 0, 1, 1, 2, 2, 2, 0};
        int[] second = {1, 1, 0, 0, 1, 0, 1, 2};
        ClassificationMetrics m =
                ClassificationMetrics.compute(
                        scores(predicted, second, 4), labels, List.of("a", "b", "c", "d"), 2);
        assertArrayEquals(new long[] {2, 1, 0, 0}, m.confusion()[0]);
        assertArrayEquals(new long[] {0, 1, 1, 0}, m.confusion()[1]);
        assertArrayEquals(new long[] {1, 0, 2, 0}, m.confusion()[2]);
        assertArrayEquals(new long[] {0, 0, 0, 0}, m.confusion()[3]);
        assertEquals(5 / 8.0, m.accuracy(), 1e-12);
        // top-2: rows 2 (label a, second a), 4 (label b, second b) and 7 (label c, second c) also
        // hit
        assertEquals(1.0, m.topKAccuracy(), 1e-12);
        // a: TP 2, predicted 3, support 3 → P 2/3, R 2/3, F1 2/3
        assertEquals(2 / 3.0, m.perClass().get(0).precision(), 1e-12);
        assertEquals(2 / 3.0, m.perClass().get(0).recall(), 1e-12);
        // b: TP 1, predicted 2, support 2 → P 1/2, R 1/2
        assertEquals(0.5, m.perClass().get(1).f1(), 1e-12);
        // c: TP 2, predicted 3, support 3
        assertEquals(2 / 3.0, m.perClass().get(2).f1(), 1e-12);
        // d: never occurs, never predicted → zeros, excluded from averages
        assertEquals(0.0, m.perClass().get(3).precision());
        assertEquals(0, m.perClass().get(3).support());
        assertEquals((2 / 3.0 + 0.5 + 2 / 3.0) / 3, m.macro().f1(), 1e-12);
        assertEquals((2 / 3.0 * 3 + 0.5 * 2 + 2 / 3.0 * 3) / 8, m.weighted().recall(), 1e-12);
    }

    @Test
    void classPredictedButNeverPresentHasZeroPrecisionAndCountsInMacro() {
        float[] labels = {0, 0, 1};
        int[] predicted = {0, 2, 1};
        ClassificationMetrics m =
                ClassificationMetrics.compute(
                        scores(predicted, new int[] {1, 0, 0}, 3),
                        labels,
                        List.of("x", "y", "z"),
                        1);
        assertEquals(0.0, m.perClass().get(2).precision());
        assertEquals(0.0, m.perClass().get(2).recall());
        assertEquals(
                (2 / 3.0 + 1 + 0) / 3, m.macro().f1(), 1e-12, "x: P 1, R 1/2, F1 2/3; y: 1; z: 0");
        assertEquals(m.accuracy(), m.topKAccuracy(), "top-1 is accuracy");
    }

    @Test
    void regressionMetrics() {
        RegressionMetrics r =
                RegressionMetrics.compute(new float[] {1, 2, 4}, new float[] {1, 3, 3});
        assertEquals(2 / 3.0, r.mse(), 1e-12);
        assertEquals(2 / 3.0, r.mae(), 1e-12);
        // mean 7/3; SS_tot = 16/9 + 4/9 + 4/9 = 24/9; SS_res = 2 → R² = 1 - 18/24
        assertEquals(0.25, r.r2(), 1e-12);
        assertEquals(1.0, RegressionMetrics.compute(new float[] {5, 5}, new float[] {5, 5}).r2());
        assertEquals(0.0, RegressionMetrics.compute(new float[] {4, 5}, new float[] {5, 5}).r2());
    }
}
