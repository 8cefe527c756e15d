package dev.vtrain.cli;

import dev.vtrain.backend.Backend;
import dev.vtrain.backend.Backends;
import dev.vtrain.data.Dataset;
import dev.vtrain.io.AtomicWrite;
import dev.vtrain.io.Json;
import dev.vtrain.io.ModelFile;
import dev.vtrain.nn.Model;
import dev.vtrain.nn.loss.CrossEntropyLoss;
import dev.vtrain.optim.Adam;
import dev.vtrain.optim.Optimizer;
import dev.vtrain.optim.SGD;
import dev.vtrain.train.EpochStats;
import dev.vtrain.train.Evaluation;
import dev.vtrain.train.History;
import dev.vtrain.train.Trainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vtrain train}: trains an MLP classifier and reports test accuracy. */
@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description =
                "Train an MLP classifier; prints per-epoch progress and the final test accuracy.")
final class TrainCommand implements Callable<Integer> {
    @Option(
            names = "--data",
            defaultValue = "digits",
            paramLabel = "DATA",
            description =
                    "digits (embedded), fashion-mnist (/usr/share/datasets/fashion-mnist), a directory of IDX files,"
                            + " or a CSV file with a header row (default: ${DEFAULT-VALUE}).")
    String data;

    @Option(
            names = "--label-column",
            paramLabel = "NAME",
            description =
                    "CSV column holding the class label (default: label/target/class/y, else the last column).")
    String labelColumn;

    @Option(
            names = "--hidden",
            defaultValue = "128",
            paramLabel = "SIZES",
            description =
                    "Hidden layer sizes, comma-separated, e.g. 256,128 (default: ${DEFAULT-VALUE}).")
    String hidden;

    @Option(
            names = "--activation",
            defaultValue = "relu",
            description = "relu, sigmoid or tanh (default: ${DEFAULT-VALUE}).")
    String activation;

    @Option(
            names = "--optimizer",
            defaultValue = "adam",
            description = "sgd or adam (default: ${DEFAULT-VALUE}).")
    String optimizer;

    @Option(
            names = "--lr",
            defaultValue = "1e-3",
            description = "Learning rate (default: ${DEFAULT-VALUE}).")
    float lr;

    @Option(
            names = "--momentum",
            defaultValue = "0.9",
            description = "SGD momentum (default: ${DEFAULT-VALUE}).")
    float momentum;

    @Option(
            names = "--weight-decay",
            defaultValue = "0",
            description = "L2 weight decay (default: ${DEFAULT-VALUE}).")
    float weightDecay;

    @Option(
            names = "--epochs",
            defaultValue = "20",
            description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(
            names = "--batch-size",
            defaultValue = "32",
            description = "Mini-batch size (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(
            names = "--seed",
            defaultValue = "0",
            description =
                    "Seed for splits, initialisation and shuffling (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--threads",
            description = "Worker threads, caller included (default: all available processors).")
    Integer threads;

    @Option(
            names = "--backend",
            defaultValue = "auto",
            description = "auto, cpu or scalar (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(
            names = "--val-split",
            defaultValue = "0.1",
            description = "Fraction held out for validation (default: ${DEFAULT-VALUE}).")
    double valSplit;

    @Option(
            names = "--test-split",
            defaultValue = "0.2",
            description =
                    "Fraction held out for testing when the data is one file (default: ${DEFAULT-VALUE}).")
    double testSplit;

    @Option(
            names = "--scaling",
            defaultValue = "auto",
            description =
                    "auto, standardize, min-max, divide-255 or none; fitted on training data (default: ${DEFAULT-VALUE}:"
                            + " divide-255 for images, standardize otherwise).")
    String scaling;

    @Option(
            names = "--report",
            paramLabel = "FILE.json",
            description = "Write a JSON run report here.")
    Path report;

    @Option(
            names = "--save",
            paramLabel = "FILE.safetensors",
            description =
                    "Save the trained model (weights, architecture, scaling, classes, provenance) here.")
    Path save;

    private void validate() {
        if (epochs < 0) {
            throw new IllegalArgumentException("Invalid --epochs " + epochs + " (must be ≥ 0)");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException(
                    "Invalid --batch-size " + batchSize + " (must be ≥ 1)");
        }
        if (threads != null && threads < 1) {
            throw new IllegalArgumentException("Invalid --threads " + threads + " (must be ≥ 1)");
        }
        if (!optimizer.equals("sgd") && !optimizer.equals("adam")) {
            throw new IllegalArgumentException(
                    "Invalid --optimizer '" + optimizer + "' (expected sgd or adam)");
        }
    }

    @Override
    public Integer call() {
        validate();
        ModelSpec spec = ModelSpec.parse(hidden, activation);
        PreparedData data =
                PreparedData.load(
                        new PreparedData.Request(
                                data(), labelColumn, valSplit, testSplit, scaling, seed));
        Dataset train = data.split().train();
        int classes = train.numClasses();
        int t = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        Backends.Selection selection = Backends.create(backend, t);
        System.out.printf(
                Locale.ROOT,
                "data: %s — %d train, %d validation, %d test, %d features, %d classes%n",
                data.source(),
                train.size(),
                data.split().validation().size(),
                data.split().test().size(),
                train.featureCount(),
                classes);
        try (Backend b = selection.backend();
                Model model =
                        Model.build(
                                spec.build(train.featureCount(), classes),
                                train.featureCount(),
                                batchSize,
                                b,
                                seed);
                Optimizer opt =
                        optimizer.equals("sgd")
                                ? new SGD(model, lr, momentum, 0f, weightDecay, false)
                                : new Adam(model, lr, 0.9f, 0.999f, 1e-8f, weightDecay, false);
                Trainer trainer = new Trainer(model, new CrossEntropyLoss(), opt)) {
            System.out.printf(
                    Locale.ROOT,
                    "model: %s, %,d parameters; %s; backend %s%n",
                    describe(train.featureCount(), classes),
                    model.parameterCount(),
                    opt,
                    b.description());
            boolean terminal = Progress.stdoutIsTerminal();
            long start = System.nanoTime();
            History history =
                    trainer.fit(
                            train,
                            data.split().validation(),
                            epochs,
                            seed,
                            new Progress(System.out, epochs, terminal, true));
            double wall = (System.nanoTime() - start) / 1e9;
            Evaluation test = trainer.evaluate(data.split().test());
            System.out.printf(
                    Locale.ROOT,
                    "test accuracy %.4f (loss %.4f, %d samples); training took %.2fs%n",
                    test.accuracy(),
                    test.loss(),
                    test.samples(),
                    wall);
            if (save != null) {
                saveModel(model, data);
                System.out.println("model: " + save);
            }
            if (report != null) {
                writeReport(data, model, b, t, history, test, wall);
                System.out.println("report: " + report);
            }
        }
        return 0;
    }

    private void saveModel(Model model, PreparedData data) {
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("vtrain.version", new Main.Version().getVersion()[0]);
        extra.put("vtrain.seed", Long.toString(seed));
        extra.put("vtrain.data", this.data);
        extra.put("vtrain.val_split", Double.toString(valSplit));
        extra.put("vtrain.test_split", Double.toString(testSplit));
        if (labelColumn != null) {
            extra.put("vtrain.label_column", labelColumn);
        }
        extra.put(
                "vtrain.threads",
                Integer.toString(
                        threads == null ? Runtime.getRuntime().availableProcessors() : threads));
        try {
            ModelFile.save(save, model, data.scaling(), data.split().train().classNames(), extra);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write model " + save + ": " + e.getMessage(), e);
        }
    }

    private String data() {
        return data;
    }

    private String describe(int in, int classes) {
        StringBuilder sb = new StringBuilder().append(in);
        for (int h : ModelSpec.parse(hidden, activation).hidden()) {
            sb.append('-').append(h);
        }
        return sb.append('-')
                .append(classes)
                .append(" MLP (")
                .append(activation)
                .append(')')
                .toString();
    }

    private void writeReport(
            PreparedData data,
            Model model,
            Backend b,
            int t,
            History history,
            Evaluation test,
            double wall) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("data", this.data);
        config.put("data_source", data.source());
        config.put("label_column", labelColumn);
        config.put("hidden", hidden);
        config.put("activation", activation);
        config.put("optimizer", optimizer);
        config.put("lr", (double) lr);
        config.put("momentum", (double) momentum);
        config.put("weight_decay", (double) weightDecay);
        config.put("epochs", epochs);
        config.put("batch_size", batchSize);
        config.put("seed", seed);
        config.put("threads", t);
        config.put("backend", b.name());
        config.put("val_split", valSplit);
        config.put("test_split", testSplit);
        config.put(
                "scaling", data.scaling().kind().name().toLowerCase(Locale.ROOT).replace('_', '-'));
        config.put("model", model.network().toString());
        config.put("parameters", model.parameterCount());
        List<Object> epochsList = new ArrayList<>();
        for (EpochStats e : history.epochs()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("epoch", e.epoch());
            m.put("train_loss", e.trainLoss());
            m.put("train_accuracy", e.trainAccuracy());
            m.put("val_loss", e.valLoss());
            m.put("val_accuracy", e.valAccuracy());
            m.put("seconds", e.seconds());
            m.put("samples_per_second", e.samplesPerSecond());
            epochsList.add(m);
        }
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("test_accuracy", test.accuracy());
        metrics.put("test_loss", test.loss());
        metrics.put("test_samples", test.samples());
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("vtrain_version", new Main.Version().getVersion()[0]);
        root.put("created", Instant.now().toString());
        root.put("config", config);
        root.put("history", epochsList);
        root.put("test", metrics);
        root.put("test_accuracy", test.accuracy());
        root.put("training_seconds", wall);
        root.put("environment", Environment.describe(t, b.description()));
        try {
            AtomicWrite.writeString(report, Json.write(root) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "Cannot write report " + report + ": " + e.getMessage(), e);
        }
    }
}
