package dev.vtrain.train.metrics;

/**
 * Regression metrics over all outputs, as scikit-learn: mean squared error, mean absolute error and
 * R² = 1 - SS_res / SS_tot (with a constant target, R² is 1 for a perfect fit and 0 otherwise).
 * Immutable; any thread may read it.
 *
 * @param mse mean squared error
 * @param mae mean absolute error
 * @param r2 coefficient of determination
 * @param samples values compared
 */
public record RegressionMetrics(double mse, double mae, double r2, long samples) {
    /**
     * Compares predictions with targets element by element.
     *
     * @throws IllegalArgumentException if the lengths differ
     */
    public static RegressionMetrics compute(float[] predictions, float[] targets) {
        if (predictions.length != targets.length) {
            throw new IllegalArgumentException(
                    predictions.length + " predictions for " + targets.length + " targets");
        }
        int n = targets.length;
        double mean = 0;
        for (float t : targets) {
            mean += t;
        }
        mean /= Math.max(1, n);
        double se = 0;
        double ae = 0;
        double tot = 0;
        for (int i = 0; i < n; i++) {
            double d = predictions[i] - (double) targets[i];
            se += d * d;
            ae += Math.abs(d);
            double m = targets[i] - mean;
            tot += m * m;
        }
        double r2 = tot == 0 ? (se == 0 ? 1 : 0) : 1 - se / tot;
        return new RegressionMetrics(
                n == 0 ? Double.NaN : se / n, n == 0 ? Double.NaN : ae / n, r2, n);
    }
}
