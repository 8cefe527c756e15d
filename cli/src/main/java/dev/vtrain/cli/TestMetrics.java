package dev.vtrain.cli;

import dev.vtrain.data.Dataset;
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

    static Map<String, Object> evaluate(
            Evaluator evaluator, Dataset data, boolean regression, int topK) {
        Map<String, Object> out = new LinkedHashMap<>();
        Evaluation e = evaluator.evaluate(data);
        out.put("loss", e.loss());
        out.put("samples", e.samples());
        if (data.size() == 0) {
            return out;
        }
        float[] predictions = evaluator.predict(data);
        if (regression) {
            out.putAll(MetricsReport.json(RegressionMetrics.compute(predictions, data.targets())));
        } else {
            ClassificationMetrics m =
                    ClassificationMetrics.compute(
                            predictions, data.targets(), data.classNames(), topK);
            out.putAll(MetricsReport.json(m));
            out.put("table", MetricsReport.table(m));
        }
        return out;
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
