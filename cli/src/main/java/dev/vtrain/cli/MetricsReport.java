package dev.vtrain.cli;

import dev.vtrain.train.metrics.ClassificationMetrics;
import dev.vtrain.train.metrics.RegressionMetrics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Metrics as terminal tables and as JSON-ready maps. */
final class MetricsReport {
    private MetricsReport() {}

    static String table(ClassificationMetrics m) {
        int w = 12;
        for (String n : m.classNames()) {
            w = Math.max(w, n.length());
        }
        StringBuilder sb = new StringBuilder();
        String row = "%" + w + "s  %9s  %9s  %9s  %9s%n";
        String num = "%" + w + "s  %9.4f  %9.4f  %9.4f  %9d%n";
        sb.append(
                String.format(Locale.ROOT, row, "", "precision", "recall", "f1-score", "support"));
        for (ClassificationMetrics.ClassScore s : m.perClass()) {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            num,
                            s.name(),
                            s.precision(),
                            s.recall(),
                            s.f1(),
                            s.support()));
        }
        sb.append('\n');
        for (ClassificationMetrics.ClassScore s : List.of(m.macro(), m.weighted())) {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            num,
                            s.name(),
                            s.precision(),
                            s.recall(),
                            s.f1(),
                            s.support()));
        }
        sb.append(String.format(Locale.ROOT, "%n%" + w + "s  %9.4f%n", "accuracy", m.accuracy()));
        if (m.topK() > 1) {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "%" + w + "s  %9.4f%n",
                            "top-" + m.topK() + " acc",
                            m.topKAccuracy()));
        }
        sb.append("\nconfusion matrix (rows: actual, columns: predicted)\n");
        long[][] c = m.confusion();
        int cw = 5;
        for (long[] r : c) {
            for (long v : r) {
                cw = Math.max(cw, Long.toString(v).length() + 1);
            }
        }
        sb.append(" ".repeat(w + 2));
        for (int j = 0; j < c.length; j++) {
            sb.append(String.format(Locale.ROOT, "%" + cw + "d", j));
        }
        sb.append('\n');
        for (int i = 0; i < c.length; i++) {
            String name = m.classNames().get(i);
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "%" + w + "s  ",
                            i + " " + (name.equals(Integer.toString(i)) ? "" : name)));
            for (long v : c[i]) {
                sb.append(String.format(Locale.ROOT, "%" + cw + "d", v));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    static String table(RegressionMetrics r) {
        return String.format(
                Locale.ROOT,
                "mse %.6g  mae %.6g  r2 %.6f  (%d values)%n",
                r.mse(),
                r.mae(),
                r.r2(),
                r.samples());
    }

    static Map<String, Object> json(ClassificationMetrics m) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("accuracy", m.accuracy());
        out.put("top_k", m.topK());
        out.put("top_k_accuracy", m.topKAccuracy());
        List<Object> classes = new ArrayList<>();
        for (ClassificationMetrics.ClassScore s : m.perClass()) {
            classes.add(score(s));
        }
        out.put("per_class", classes);
        out.put("macro_avg", score(m.macro()));
        out.put("weighted_avg", score(m.weighted()));
        List<Object> rows = new ArrayList<>();
        for (long[] r : m.confusion()) {
            List<Long> row = new ArrayList<>();
            for (long v : r) {
                row.add(v);
            }
            rows.add(row);
        }
        out.put("confusion_matrix", rows);
        return out;
    }

    static Map<String, Object> json(RegressionMetrics r) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("mse", r.mse());
        out.put("mae", r.mae());
        out.put("r2", r.r2());
        out.put("samples", r.samples());
        return out;
    }

    private static Map<String, Object> score(ClassificationMetrics.ClassScore s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", s.name());
        m.put("precision", s.precision());
        m.put("recall", s.recall());
        m.put("f1", s.f1());
        m.put("support", s.support());
        return m;
    }
}
