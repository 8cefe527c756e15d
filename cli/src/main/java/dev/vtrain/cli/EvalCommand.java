package dev.vtrain.cli;

import dev.vtrain.backend.Backend;
import dev.vtrain.data.Dataset;
import dev.vtrain.io.Json;
import dev.vtrain.io.ModelFile;
import dev.vtrain.io.TargetScalingMetadata;
import dev.vtrain.nn.Model;
import dev.vtrain.nn.loss.CrossEntropyLoss;
import dev.vtrain.nn.loss.Loss;
import dev.vtrain.nn.loss.MSELoss;
import dev.vtrain.train.Evaluator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vtrain eval}: metrics of a saved model on data, scaled as at training time. */
@Command(
        name = "eval",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description =
                "Evaluate a model saved with 'vtrain train --save': precision/recall/F1 per class, macro and weighted"
                        + " averages, confusion matrix and top-k accuracy (or MSE, MAE, R² for regression).")
final class EvalCommand implements Callable<Integer> {
    @Mixin SavedModelOptions options;

    @Option(
            names = "--data",
            paramLabel = "DATA",
            description =
                    "Data to evaluate on (default: the data the model was trained on); same forms as 'train --data'.")
    String data;

    @Option(
            names = "--split",
            defaultValue = "test",
            description =
                    "Which part: test, validation, train or all (default: ${DEFAULT-VALUE}); splits are re-made with"
                            + " the seed and fractions saved in the model.")
    String split;

    @Option(
            names = "--label-column",
            paramLabel = "NAME",
            description = "CSV label column (default: as at training).")
    String labelColumn;

    @Option(
            names = "--top-k",
            defaultValue = "5",
            description = "k for top-k accuracy (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--json", description = "Print the metrics as JSON instead of tables.")
    boolean json;

    @Option(
            names = "--batch-size",
            defaultValue = "256",
            description = "Rows per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(
            names = {"--device", "--backend"},
            defaultValue = "auto",
            description =
                    "auto, cpu, cuda or scalar (default: ${DEFAULT-VALUE}; --backend is the same flag).")
    String backend;

    @Spec CommandSpec commandSpec;

    @Override
    public Integer call() {
        if (batchSize < 1 || topK < 1) {
            throw new UsageException(
                    "Invalid --batch-size " + batchSize + " or --top-k " + topK + " (must be ≥ 1)");
        }
        options.validate();
        if (!List.of("test", "validation", "train", "all").contains(split)) {
            throw new UsageException(
                    "Invalid --split '" + split + "' (expected test, validation, train or all)");
        }
        ModelFile.Saved saved;
        PreparedData prepared;
        boolean regression;
        String source;
        String part0 = split;
        if (options.spec != null) {
            if (data == null) {
                throw new UsageException(
                        "--spec: give --data too (a plain state_dict records no data)");
            }
            source = data;
            if (!commandSpec.commandLine().getParseResult().hasMatchedOption("--split")) {
                part0 = "all"; // a plain state_dict has no split of its own
            }
            prepared =
                    PreparedData.load(
                            new PreparedData.Request(
                                    data,
                                    labelColumn,
                                    0.1,
                                    0.2,
                                    "none",
                                    0,
                                    false,
                                    null,
                                    options.classes,
                                    null));
            saved =
                    options.loadStateDict(
                            prepared.sampleShape(), prepared.split().train().classNames());
            regression = false;
        } else {
            saved = options.loadModelFile();
            Map<String, String> meta = saved.metadata();
            if ("language-model".equals(meta.get("vtrain.task"))) {
                return TextEval.run(
                        saved,
                        data != null ? data : meta.getOrDefault("vtrain.data", "shakespeare"),
                        split,
                        batchSize,
                        backend,
                        options.threadCount(),
                        json);
            }
            regression = saved.classNames().isEmpty();
            source = data != null ? data : meta.getOrDefault("vtrain.data", "digits");
            String label = labelColumn != null ? labelColumn : meta.get("vtrain.label_column");
            List<String> features = SavedColumns.features(meta);
            SavedColumns.warnIgnored(java.nio.file.Path.of(source), features, label);
            prepared =
                    PreparedData.load(
                            new PreparedData.Request(
                                    source,
                                    label,
                                    Double.parseDouble(
                                            meta.getOrDefault("vtrain.val_split", "0.1")),
                                    Double.parseDouble(
                                            meta.getOrDefault("vtrain.test_split", "0.2")),
                                    "auto",
                                    Long.parseLong(meta.getOrDefault("vtrain.seed", "0")),
                                    regression,
                                    features,
                                    regression ? null : saved.classNames(),
                                    null),
                            saved.scaling(),
                            regression
                                    ? TargetScalingMetadata.read(
                                            meta,
                                            saved.network().outputShape(saved.inputShape()).size(),
                                            options.model.toString())
                                    : null);
        }
        Map<String, String> meta = saved.metadata();
        String which = part0;
        Dataset part =
                switch (which) {
                    case "test" -> prepared.split().test();
                    case "validation" -> prepared.split().validation();
                    case "train" -> prepared.split().train();
                    case "all" -> concat(prepared);
                    default ->
                            throw new IllegalArgumentException(
                                    "Invalid --split '"
                                            + split
                                            + "' (expected test, validation, train or all)");
                };
        if (part.featureCount() != saved.inFeatures()) {
            throw new IllegalArgumentException(
                    source
                            + ": samples have "
                            + part.featureCount()
                            + " features but the model expects "
                            + saved.inFeatures());
        }
        if (!regression && !part.classNames().equals(saved.classNames())) {
            throw new IllegalArgumentException(
                    source
                            + ": classes "
                            + part.classNames()
                            + " differ from the model's "
                            + saved.classNames());
        }
        int t = options.threadCount();
        Loss loss = regression ? new MSELoss() : new CrossEntropyLoss();
        try (Backend b = BackendFlag.create(backend, t).backend();
                Model m = saved.build(b, batchSize);
                Evaluator evaluator = new Evaluator(m, loss)) {
            Map<String, Object> metrics =
                    TestMetrics.evaluate(evaluator, part, prepared.targets(), topK);
            if (json) {
                Map<String, Object> out = new LinkedHashMap<>(metrics);
                out.remove("table");
                out.put("model", options.model.toString());
                out.put("data", prepared.source());
                out.put("split", which);
                System.out.println(Json.write(out));
                return 0;
            }
            System.out.printf(
                    Locale.ROOT,
                    "model: %s (%s, trained %s)%n",
                    options.model,
                    meta.getOrDefault("vtrain.version", "?"),
                    meta.getOrDefault("vtrain.created", "?"));
            System.out.printf(
                    Locale.ROOT,
                    "data: %s, %s part, %d samples%n%n",
                    prepared.source(),
                    which,
                    part.size());
            if (regression) {
                System.out.printf(Locale.ROOT, "loss %.6g%n", num(metrics.get("loss")));
                System.out.print(
                        MetricsReport.table(
                                TestMetrics.regression(
                                        evaluator.predict(part), part, prepared.targets())));
            } else if (metrics.containsKey("table")) {
                System.out.print(metrics.get("table"));
                System.out.printf(Locale.ROOT, "%nloss %.4f%n", num(metrics.get("loss")));
            }
        }
        return 0;
    }

    private static Dataset concat(PreparedData p) {
        Dataset a = p.split().train();
        Dataset b = p.split().validation();
        Dataset c = p.split().test();
        int f = a.featureCount();
        int tw = a.targetWidth();
        float[] x = new float[(a.size() + b.size() + c.size()) * f];
        float[] y = new float[(a.size() + b.size() + c.size()) * tw];
        int row = 0;
        for (Dataset d : new Dataset[] {a, b, c}) {
            for (int r = 0; r < d.size(); r++) {
                d.copyRow(r, x, (row + r) * f);
            }
            System.arraycopy(d.targets(), 0, y, row * tw, d.targets().length);
            row += d.size();
        }
        return new Dataset(a.name() + "[all]", x, f, y, tw, a.classNames());
    }

    private static double num(Object o) {
        return o instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
