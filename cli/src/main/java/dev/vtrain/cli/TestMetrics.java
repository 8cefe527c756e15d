package dev.vtrain.cli;

import dev.vtrain.data.Dataset;
import dev.vtrain.data.TargetScaling;
import dev.vtrain.train.Evaluation;
import dev.vtrain.train.Evaluator;
import dev.vtrain.train.metrics.ClassificationMetrics;
import dev.vtrain.train.metrics.RegressionMetrics;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Test-set metrics for train and eval: computed once, printed as a line or tables, stored in
 * reports.
 */
final class TestMetrics {
    private TestMetrics() {}

    /**
     * Metrics of {@code evaluator}'s model on {@code data}. For regression ({@code targets} not
     * null: the scaling of {@code data}'s targets) predictions and targets are mapped back to the
     * targets' units first, and "loss" is the MSE in those units.
     */
    static Map<String, Object> evaluate(
            Evaluator evaluator, Dataset data, TargetScaling targets, int topK) {
        Map<String, Object> out = new LinkedHashMap<>();
        Evaluation e = evaluator.evaluate(data);
        out.put("loss", e.loss());
        out.put("samples", e.samples());
        if (data.size() == 0) {
            return out;
        }
        float[] predictions = evaluator.predict(data);
        if (targets != null) {
            RegressionMetrics r = regression(predictions, data, targets);
            out.put("loss", r.mse());
            out.putAll(MetricsReport.json(r));
        } else {
            ClassificationMetrics m =
                    ClassificationMetrics.compute(
                            predictions, data.targets(), data.classNames(), topK);
            out.putAll(MetricsReport.json(m));
            out.put("table", MetricsReport.table(m));
        }
        return out;
    }

    /** Regression metrics in the targets' units ({@code predictions} are overwritten). */
    static RegressionMetrics regression(float[] predictions, Dataset data, TargetScaling targets) {
        float[] y = data.targets().clone();
        targets.invert(y);
        targets.invert(predictions);
        return RegressionMetrics.compute(predictions, y);
    }

    static String summary(Map<String, Object> m, boolean regression) {
        if (!m.containsKey(regression ? "mse" : "accuracy")) {
            return "no test data";
        }
        if (regression) {
            return String.format(
                    Locale.ROOT,
                    "test mse %.6g, mae %.6g, r2 %.4f (%d samples)",
                    num(m.get("mse")),
                    num(m.get("mae")),
                    num(m.get("r2")),
                    (long) num(m.get("samples")));
        }
        Map<?, ?> macro = (Map<?, ?>) m.get("macro_avg");
        return String.format(
                Locale.ROOT,
                "test accuracy %.4f (loss %.4f, macro F1 %.4f, top-%d %.4f, %d samples)",
                num(m.get("accuracy")),
                num(m.get("loss")),
                num(macro.get("f1")),
                (int) num(m.get("top_k")),
                num(m.get("top_k_accuracy")),
                (long) num(m.get("samples")));
    }

    private static double num(Object o) {
        return o instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
