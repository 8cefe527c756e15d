package dev.vtrain.cli;

import dev.vtrain.backend.Backend;
import dev.vtrain.backend.Backends;
import dev.vtrain.data.Dataset;
import dev.vtrain.io.ModelFile;
import dev.vtrain.nn.Model;
import dev.vtrain.nn.loss.CrossEntropyLoss;
import dev.vtrain.optim.SGD;
import dev.vtrain.train.Evaluation;
import dev.vtrain.train.Trainer;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vtrain eval}: loss and accuracy of a saved model on data, scaled as at training time. */
@Command(
        name = "eval",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Evaluate a model saved with 'vtrain train --save' (loss and accuracy).")
final class EvalCommand implements Callable<Integer> {
    @Option(
            names = "--model",
            required = true,
            paramLabel = "FILE.safetensors",
            description = "The saved model.")
    Path model;

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
            names = "--batch-size",
            defaultValue = "256",
            description = "Rows per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--threads", description = "Threads (default: all available processors).")
    Integer threads;

    @Option(
            names = "--backend",
            defaultValue = "auto",
            description = "auto, cpu or scalar (default: ${DEFAULT-VALUE}).")
    String backend;

    @Override
    public Integer call() {
        if (batchSize < 1) {
            throw new IllegalArgumentException(
                    "Invalid --batch-size " + batchSize + " (must be ≥ 1)");
        }
        ModelFile.Saved saved = ModelFile.load(model);
        Map<String, String> meta = saved.metadata();
        if (saved.classNames().isEmpty()) {
            throw new IllegalArgumentException(
                    model + " is a regression model; eval reports classification metrics");
        }
        String source = data != null ? data : meta.getOrDefault("vtrain.data", "digits");
        PreparedData prepared =
                PreparedData.load(
                        new PreparedData.Request(
                                source,
                                labelColumn != null ? labelColumn : meta.get("vtrain.label_column"),
                                Double.parseDouble(meta.getOrDefault("vtrain.val_split", "0.1")),
                                Double.parseDouble(meta.getOrDefault("vtrain.test_split", "0.2")),
                                "auto",
                                Long.parseLong(meta.getOrDefault("vtrain.seed", "0"))),
                        saved.scaling());
        Dataset part =
                switch (split) {
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
        int t = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        try (Backend b = Backends.create(backend, t).backend();
                Model m = saved.build(b, batchSize);
                SGD unused = new SGD(m, 0f);
                Trainer trainer = new Trainer(m, new CrossEntropyLoss(), unused)) {
            Evaluation e = trainer.evaluate(part);
            System.out.printf(
                    Locale.ROOT,
                    "model: %s (%s, trained %s)%n",
                    model,
                    meta.getOrDefault("vtrain.version", "?"),
                    meta.getOrDefault("vtrain.created", "?"));
            System.out.printf(
                    Locale.ROOT,
                    "data: %s, %s part, %d samples%n",
                    prepared.source(),
                    split,
                    part.size());
            System.out.printf(Locale.ROOT, "accuracy %.4f  loss %.4f%n", e.accuracy(), e.loss());
        }
        return 0;
    }

    private static Dataset concat(PreparedData p) {
        Dataset a = p.split().train();
        Dataset b = p.split().validation();
        Dataset c = p.split().test();
        int f = a.featureCount();
        float[] x = new float[(a.size() + b.size() + c.size()) * f];
        float[] y = new float[a.size() + b.size() + c.size()];
        int row = 0;
        for (Dataset d : new Dataset[] {a, b, c}) {
            System.arraycopy(d.features(), 0, x, row * f, d.features().length);
            System.arraycopy(d.targets(), 0, y, row, d.targets().length);
            row += d.size();
        }
        return new Dataset(a.name() + "[all]", x, f, y, 1, a.classNames());
    }
}
