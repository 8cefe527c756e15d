package dev.vtrain.cli;

import dev.vtrain.backend.Backend;
import dev.vtrain.backend.Backends;
import dev.vtrain.data.CsvReader;
import dev.vtrain.data.Dataset;
import dev.vtrain.io.AtomicWrite;
import dev.vtrain.io.ModelFile;
import dev.vtrain.io.TargetScalingMetadata;
import dev.vtrain.nn.Model;
import dev.vtrain.tensor.Shape;
import dev.vtrain.train.Evaluator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code vtrain predict}: a saved model's predictions for the rows of a CSV file. */
@Command(
        name = "predict",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description =
                "Predict with a model saved by 'vtrain train --save': the class and its probabilities per row (or"
                        + " the value, for regression), written as CSV.")
final class PredictCommand implements Callable<Integer> {
    @Mixin SavedModelOptions options;

    @Option(
            names = "--data",
            required = true,
            paramLabel = "INPUT.csv",
            description =
                    "CSV with a header row and the model's feature columns; the training label column is ignored"
                            + " if present. Features are scaled with the statistics saved in the model.")
    Path data;

    @Option(
            names = "--out",
            paramLabel = "FILE.csv",
            description = "Where to write the predictions (default: standard output).")
    Path out;

    @Override
    public Integer call() {
        OutputPaths.checkFile("--out", out);
        if (out != null
                && (out.toAbsolutePath().normalize().equals(data.toAbsolutePath().normalize())
                        || out.toAbsolutePath()
                                .normalize()
                                .equals(options.model.toAbsolutePath().normalize()))) {
            throw new UsageException(
                    "--out " + out + " would overwrite an input; name another output file");
        }
        int t = options.threadCount();
        options.validate();
        ModelFile.Saved saved;
        Dataset raw;
        String labelColumn;
        if (options.spec != null) {
            // A column named as labels usually are (label, target, class, y) is not a feature.
            String found = CsvReader.columns(data, null).label();
            labelColumn =
                    List.of("label", "target", "class", "y")
                                    .contains(found.toLowerCase(java.util.Locale.ROOT))
                            ? found
                            : null;
            raw = CsvReader.readFeatures(data, labelColumn, null);
            Shape shape = Shape.of(raw.featureCount());
            saved = options.loadStateDict(shape, options.classesOrIndices(shape));
        } else {
            saved = options.loadModelFile();
            if ("language-model".equals(saved.metadata().get("vtrain.task"))) {
                throw new IllegalArgumentException(
                        options.model
                                + " is a language model: use 'vtrain generate' to sample text or 'vtrain eval' for"
                                + " its loss; predict takes a classifier or regressor and CSV rows");
            }
            labelColumn = saved.metadata().getOrDefault("vtrain.label_column", "label");
            List<String> features = SavedColumns.features(saved.metadata());
            SavedColumns.warnIgnored(data, features, labelColumn);
            raw = CsvReader.readFeatures(data, labelColumn, features);
        }
        if (raw.featureCount() != saved.inFeatures()) {
            throw new IllegalArgumentException(
                    data
                            + ": rows have "
                            + raw.featureCount()
                            + " feature columns but the model"
                            + " expects "
                            + saved.inFeatures()
                            + " (label column '"
                            + labelColumn
                            + "' is ignored)");
        }
        Dataset x = saved.scaling().apply(raw);
        float[] outputs;
        int width;
        try (Backend b = Backends.create("auto", t).backend();
                Model m = saved.build(b, 256);
                Evaluator evaluator = new Evaluator(m, null)) {
            outputs = evaluator.predict(x);
            width = m.outFeatures();
        }
        if (saved.classNames().isEmpty()) {
            TargetScalingMetadata.read(saved.metadata(), width, options.model.toString())
                    .invert(outputs);
        }
        String csv = format(outputs, x.size(), width, saved.classNames());
        if (out == null) {
            System.out.print(csv);
        } else {
            try {
                AtomicWrite.writeString(out, csv);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot write " + out + ": " + e.getMessage(), e);
            }
            System.out.println("predictions: " + out + " (" + x.size() + " rows)");
        }
        return 0;
    }

    static String format(float[] outputs, int rows, int width, List<String> classes) {
        StringBuilder sb = new StringBuilder();
        if (classes.isEmpty()) {
            sb.append(width == 1 ? "prediction" : "prediction_0");
            for (int j = 1; j < width; j++) {
                sb.append(",prediction_").append(j);
            }
            sb.append('\n');
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < width; j++) {
                    sb.append(j > 0 ? "," : "").append(outputs[i * width + j]);
                }
                sb.append('\n');
            }
            return sb.toString();
        }
        sb.append("class");
        for (String c : classes) {
            sb.append(",p_").append(quote(c));
        }
        sb.append('\n');
        double[] p = new double[width];
        for (int i = 0; i < rows; i++) {
            double max = Double.NEGATIVE_INFINITY;
            int best = 0;
            for (int j = 0; j < width; j++) {
                if (outputs[i * width + j] > max) {
                    max = outputs[i * width + j];
                    best = j;
                }
            }
            double sum = 0;
            for (int j = 0; j < width; j++) {
                p[j] = Math.exp(outputs[i * width + j] - max);
                sum += p[j];
            }
            sb.append(quote(classes.get(best)));
            for (int j = 0; j < classes.size(); j++) {
                sb.append(String.format(Locale.ROOT, ",%.6f", p[j] / sum));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static String quote(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
