package dev.vtrain.cli;

import dev.vtrain.backend.Backend;
import dev.vtrain.backend.Backends;
import dev.vtrain.data.Dataset;
import dev.vtrain.io.AtomicWrite;
import dev.vtrain.io.Checkpoints;
import dev.vtrain.io.Json;
import dev.vtrain.io.ModelFile;
import dev.vtrain.io.Pretrained;
import dev.vtrain.io.TargetScalingMetadata;
import dev.vtrain.nn.Model;
import dev.vtrain.nn.loss.CrossEntropyLoss;
import dev.vtrain.nn.loss.Loss;
import dev.vtrain.nn.loss.MSELoss;
import dev.vtrain.optim.Optimizer;
import dev.vtrain.optim.schedule.ReduceLROnPlateau;
import dev.vtrain.optim.schedule.Schedule;
import dev.vtrain.tensor.Shape;
import dev.vtrain.train.History;
import dev.vtrain.train.Trainer;
import dev.vtrain.train.TrainingOptions;
import dev.vtrain.train.TrainingState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vtrain train}: trains a network and reports test metrics. */
@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description =
                "Train a network (an MLP, or any layers with --model) as a classifier or regressor; prints"
                        + " per-epoch progress and the final test metrics.")
final class TrainCommand implements Callable<Integer> {
    @Mixin DataOptions data;

    @Mixin ModelOptions model;

    @Mixin OptimizerOptions optimizer;

    @Mixin ScheduleOptions schedule;

    @Mixin RegularizationOptions regularization;

    @Mixin TextOptions text;

    @Option(
            names = "--epochs",
            defaultValue = "20",
            description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(
            names = "--batch-size",
            defaultValue = "32",
            paramLabel = "N|full",
            description =
                    "Mini-batch size; 1 for stochastic, 'full' for full-batch gradient descent (default: ${DEFAULT-VALUE}).")
    String batchSize;

    @Option(
            names = "--seed",
            defaultValue = "0",
            description =
                    "Seed for splits, initialisation, shuffling and dropout (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--threads",
            description = "Worker threads, caller included (default: all available processors).")
    Integer threads;

    @Option(
            names = {"--device", "--backend"},
            defaultValue = "auto",
            description =
                    "auto, cpu, cuda or scalar (default: ${DEFAULT-VALUE}; --backend is the same flag).")
    String backend;

    @Option(
            names = "--gpu-math",
            defaultValue = "fp32",
            description =
                    "GEMM math on the GPU: fp32 (IEEE, as PyTorch's default) or tf32 (TF32 tensor"
                            + " cores; faster, about 3 decimal digits) (default: ${DEFAULT-VALUE}).")
    String gpuMath;

    @Option(
            names = "--top-k",
            defaultValue = "5",
            description = "k for the top-k accuracy metric (default: ${DEFAULT-VALUE}).")
    int topK;

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

    @Option(
            names = "--plot",
            paramLabel = "FILE.png|FILE.svg",
            description =
                    "Plot the loss curves (and accuracy) here; the history is written beside it as CSV.")
    Path plot;

    @Option(
            names = "--history-csv",
            paramLabel = "FILE.csv",
            description = "Write the per-epoch history as CSV here.")
    Path historyCsv;

    @Option(
            names = "--jfr",
            paramLabel = "FILE.jfr",
            description =
                    "Record the run with JDK Flight Recorder into this file: the JDK's default events"
                            + " and vtrain's (dev.vtrain.TrainingStep with forward, backward and"
                            + " optimizer times, Epoch, Evaluation, CheckpointWrite, ...); read it"
                            + " with 'jfr print --events dev.vtrain.TrainingStep FILE'. Steps of"
                            + " the JIT warm-up while data loads come from thread"
                            + " 'vtrain-warm-up'.")
    Path jfr;

    @Option(
            names = "--checkpoint-dir",
            paramLabel = "DIR",
            description = "Write training checkpoints here (atomically; the newest two are kept).")
    Path checkpointDir;

    @Option(
            names = "--init-from",
            paramLabel = "FILE.safetensors",
            description =
                    "Start from pretrained weights (a vtrain model or a PyTorch nn.Sequential state_dict as"
                            + " safetensors), matched by name and shape; an output layer of another shape is re-initialised.")
    Path initFrom;

    @Option(
            names = "--new-head",
            description =
                    "With --init-from: re-initialise the output layer even if its shape matches.")
    boolean newHead;

    @Option(
            names = "--freeze",
            split = ",",
            paramLabel = "LAYERS",
            description =
                    "Freeze layers by path (0,2 or 3.1) or parameters by name (0.weight): no gradient work, no optimizer"
                            + " state.")
    List<String> freeze = List.of();

    @Option(
            names = "--checkpoint-every",
            defaultValue = "0",
            paramLabel = "BATCHES",
            description =
                    "Also checkpoint every this many batches (text: iterations) (default: ${DEFAULT-VALUE}: at the end of each epoch; for text, after each evaluation).")
    int checkpointEvery;

    @Option(
            names = "--resume",
            paramLabel = "DIR|FILE",
            description =
                    "Continue the run saved in this checkpoint (a directory: its newest), with the configuration saved"
                            + " in it; give no other flags.")
    Path resume;

    @Option(
            names = "--allow-changed-data",
            description =
                    "With --resume: continue even if --data differs from what the run started on (size or"
                            + " SHA-256).")
    boolean allowChangedData;

    @Spec CommandSpec spec;

    List<String> args = List.of();
    Integer scheduleEpochs;
    Checkpoints.Loaded resumeFrom;
    Integer scheduleIters;

    int parseBatch(int trainSize) {
        if (batchSize.equalsIgnoreCase("full")) {
            return trainSize;
        }
        int b;
        try {
            b = Integer.parseInt(batchSize);
        } catch (NumberFormatException e) {
            throw new UsageException(
                    "Invalid --batch-size '"
                            + batchSize
                            + "' (expected a positive integer or 'full')");
        }
        if (b < 1) {
            throw new UsageException("Invalid --batch-size " + b + " (must be ≥ 1)");
        }
        return Math.min(b, trainSize);
    }

    /**
     * Checks every output path before any work (see {@link OutputPaths}); creates nothing.
     *
     * @throws UsageException naming the flag and what is wrong
     */
    void checkOutputs() {
        OutputPaths.checkFile("--save", save);
        OutputPaths.checkFile("--report", report);
        OutputPaths.checkFile("--history-csv", historyCsv);
        OutputPaths.checkFile("--jfr", jfr);
        if (plot != null) {
            OutputPaths.checkFile("--plot", plot);
            OutputPaths.checkFile("--plot (its history CSV)", plotCsv());
        }
        OutputPaths.checkDirectory("--checkpoint-dir", checkpointDir);
        List<Path> outs = new ArrayList<>();
        for (Path p :
                new Path[] {
                    save,
                    report,
                    historyCsv,
                    plot,
                    plot == null ? null : plotCsv(),
                    checkpointDir,
                    jfr
                }) {
            if (p != null) {
                Path abs = p.toAbsolutePath().normalize();
                if (outs.contains(abs)) {
                    throw new UsageException(
                            p
                                    + " is named by two output flags; each output needs a file of its own");
                }
                outs.add(abs);
            }
        }
        List<Path> inputs = new ArrayList<>();
        if (data.data != null && Files.isRegularFile(Path.of(data.data))) {
            inputs.add(Path.of(data.data));
        }
        if (initFrom != null) {
            inputs.add(initFrom);
        }
        if (model.model != null && model.model.endsWith(".json")) {
            inputs.add(Path.of(model.model));
        }
        for (Path in : inputs) {
            if (outs.contains(in.toAbsolutePath().normalize())) {
                throw new UsageException(
                        in
                                + " is both an input and an output of this run; name another output file");
            }
        }
    }

    Path plotCsv() {
        String name = plot.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return plot.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + ".csv");
    }

    /**
     * The checks of every training run, text or not, before any work: the optimizer and its rate,
     * the backend, checkpointing and every output path.
     *
     * @throws IllegalArgumentException naming the flag (the caller makes it a usage error)
     */
    void validateCommon() {
        if (!(optimizer.lr >= 0f) || Float.isInfinite(optimizer.lr)) {
            throw new IllegalArgumentException(
                    "Invalid --lr " + optimizer.lr + " (must be a finite value ≥ 0)");
        }
        optimizer.name();
        if (!gpuMath.equals("fp32") && !gpuMath.equals("tf32")) {
            throw new UsageException(
                    "Invalid --gpu-math '" + gpuMath + "' (expected fp32 or tf32)");
        }
        // Read when a CUDA backend opens its context (the probe's own check runs in FP32).
        System.setProperty(dev.vtrain.backend.cuda.CudaProbe.MATH_PROPERTY, gpuMath);
        BackendFlag.check(backend);
        if (plot != null) {
            Path name = plot.getFileName();
            String n = name == null ? "" : name.toString().toLowerCase(Locale.ROOT);
            if (!n.endsWith(".png") && !n.endsWith(".svg")) {
                throw new IllegalArgumentException(
                        "--plot " + plot + ": expected a .png or .svg file name");
            }
        }
        if (checkpointEvery < 0) {
            throw new IllegalArgumentException(
                    "Invalid --checkpoint-every " + checkpointEvery + " (must be ≥ 0)");
        }
        checkOutputs();
    }

    private void validate() {
        validateCommon();
        if (epochs < 0) {
            throw new IllegalArgumentException("Invalid --epochs " + epochs + " (must be ≥ 0)");
        }
        if (topK < 1) {
            throw new IllegalArgumentException("Invalid --top-k " + topK + " (must be ≥ 1)");
        }
        data.validate();
        // Schedules, plateau and early stopping are built once here so a bad name or value is a
        // usage error before any data is read.
        schedule.build(optimizer.lr, Math.max(1, epochs), 1);
        schedule.plateau();
        dev.vtrain.train.Monitor.of(schedule.plateauMonitor);
        regularization.early();
        if (!data.regression()
                && spec.commandLine().getParseResult().hasMatchedOption("--target-scaling")) {
            throw new IllegalArgumentException(
                    "--target-scaling applies to --task regression only");
        }
        if (data.regression()
                && !List.of("standardize", "min-max", "none").contains(data.targetScaling)) {
            throw new IllegalArgumentException(
                    "Invalid --target-scaling '"
                            + data.targetScaling
                            + "' (expected standardize, min-max or none)");
        }
        model.spec();
        if (model.model != null && !model.model.endsWith(".json")) {
            // Syntax errors show before any data is read.
            dev.vtrain.nn.spec.SpecParser.parse(model.model);
        }
        if (model.model != null) {
            for (String flag : List.of("--hidden", "--activation", "--dropout")) {
                if (spec.commandLine().getParseResult().hasMatchedOption(flag)) {
                    throw new IllegalArgumentException(
                            flag
                                    + " describes an MLP; with --model put the layers in the spec instead");
                }
            }
        } else if (model.inputShape != null) {
            throw new IllegalArgumentException(
                    "--input-shape needs --model (an MLP takes flat features)");
        }
        if (!batchSize.equalsIgnoreCase("full")) {
            parseBatch(Integer.MAX_VALUE);
        }
    }

    /** This command with every flag at its default (for telling which flags a run set). */
    static CommandSpec defaults() {
        CommandLine cl = new CommandLine(new TrainCommand());
        cl.parseArgs();
        return cl.getCommandSpec();
    }

    @Override
    public Integer call() {
        args = RunFlags.given(spec, defaults());
        if (jfr != null) {
            OutputPaths.checkFile("--jfr", jfr);
        }
        FlightRecording recording = FlightRecording.start(jfr);
        try {
            if (resume != null) {
                return ResumedRun.of(this).run();
            }
            return run();
        } finally {
            if (recording != null) {
                recording.close();
            }
        }
    }

    int run() {
        if (data.text()) {
            return new TextTrainRun(this).run();
        }
        UsageException.wrap(this::validate);
        int t = ThreadCount.resolve(threads);
        boolean regression = data.regression();
        String fingerprint = fingerprint();
        JitWarmUp warm = model.model == null ? JitWarmUp.start(backend, warmUpWorkload()) : null;
        PreparedData prepared;
        try {
            prepared = PreparedData.load(data.request(seed));
        } finally {
            if (warm != null) {
                warm.stop();
            }
        }
        Dataset train = prepared.split().train();
        int outputs = regression ? train.targetWidth() : train.numClasses();
        int batch = parseBatch(train.size());
        int stepsPerEpoch = (train.size() + batch - 1) / batch;
        Loss loss = regression ? new MSELoss() : new CrossEntropyLoss();
        System.out.printf(
                Locale.ROOT,
                "data: %s — %d train, %d validation, %d test, %d features, %s%n",
                prepared.source(),
                train.size(),
                prepared.split().validation().size(),
                prepared.split().test().size(),
                train.featureCount(),
                regression ? "regression target" : outputs + " classes");
        int rows =
                train.size()
                        + prepared.split().validation().size()
                        + prepared.split().test().size();
        if (!regression && outputs > Math.max(20, rows / 4)) {
            System.err.printf(
                    Locale.ROOT,
                    "vtrain: warning: %,d classes for %,d rows: is the label column%s an ID? (name the label"
                            + " with --label-column, or use --task regression for a numeric target)%n",
                    outputs,
                    rows,
                    prepared.columns() == null ? "" : " '" + prepared.columns().label() + "'");
        }
        // The layers decide whether auto may use the GPU (it runs only the families it has).
        Backends.Selection selection =
                BackendFlag.create(
                        backend,
                        t,
                        model.build(model.shape(prepared.sampleShape()), outputs).spec());
        try (Backend b = selection.backend();
                Model m =
                        prepareModel(
                                model.shape(prepared.sampleShape()),
                                outputs,
                                batch,
                                b,
                                prepared.scaling());
                Optimizer opt = optimizer.build(m);
                Trainer trainer = new Trainer(m, loss, opt)) {
            ReduceLROnPlateau plateau = schedule.plateau();
            // A resume with more --epochs keeps the schedule of the run it continues.
            Schedule lrSchedule =
                    schedule.build(
                            optimizer.lr,
                            scheduleEpochs != null ? scheduleEpochs : epochs,
                            stepsPerEpoch);
            TrainingOptions options =
                    TrainingOptions.builder()
                            .epochs(epochs)
                            .seed(seed)
                            .schedule(lrSchedule)
                            .plateau(plateau, dev.vtrain.train.Monitor.of(schedule.plateauMonitor))
                            .clipNorm(regularization.clipNorm, regularization.failOnNonFinite)
                            .clipValue(regularization.clipValue)
                            .l1(regularization.l1)
                            .earlyStopping(regularization.early())
                            .nonFinite(true, regularization.maxBadSteps)
                            .listener(
                                    new Progress(
                                            System.out,
                                            epochs,
                                            Progress.stdoutIsTerminal(),
                                            !regression))
                            .checkpoints(
                                    checkpointDir == null
                                            ? null
                                            : Checkpoints.sink(
                                                    checkpointDir,
                                                    m,
                                                    opt,
                                                    plateau,
                                                    checkpointMetadata(fingerprint)),
                                    checkpointEvery)
                            .build();
            TrainingState state = new TrainingState();
            float[] best = null;
            if (resumeFrom != null) {
                state = resumeFrom.restore(m, opt, plateau);
                best = resumeFrom.bestParameters();
                System.out.printf(
                        Locale.ROOT,
                        "resumed at epoch %d, batch %d (%d batches done)%n",
                        state.epoch,
                        state.batch,
                        state.batchesDone);
                if (state.batch > 0 && state.epochSeconds > 0) {
                    System.out.printf(
                            Locale.ROOT,
                            "epoch %d's time includes the %.2fs it trained before the interruption%n",
                            state.epoch,
                            state.epochSeconds);
                }
                if (state.epoch > epochs) {
                    System.out.println(
                            "the checkpoint is of a finished run ("
                                    + epochs
                                    + " epochs); nothing left to train");
                }
            }
            System.out.printf(
                    Locale.ROOT,
                    "model: %s, %,d parameters; %s; lr schedule %s; batch %d; backend %s%n",
                    model.describe(m.inputShape(), outputs),
                    m.parameterCount(),
                    opt,
                    schedule.describe(),
                    batch,
                    b.description());
            long start = System.nanoTime();
            History history =
                    trainer.fit(train, prepared.split().validation(), options, state, best);
            double wall = (System.nanoTime() - start) / 1e9;
            if (history.stoppedEarly()) {
                System.out.printf(
                        Locale.ROOT,
                        "early stopping after epoch %d; best epoch %d%s%n",
                        history.epochs().size(),
                        history.bestEpoch(),
                        history.restoredBest() ? " (weights restored)" : "");
            } else if (history.restoredBest()) {
                System.out.printf(
                        Locale.ROOT,
                        "restored the weights of the best epoch, %d%n",
                        history.bestEpoch());
            }
            if (history.skippedSteps() > 0) {
                System.out.printf(
                        Locale.ROOT,
                        "skipped %d steps with a non-finite loss or gradient norm%n",
                        history.skippedSteps());
            }
            // The model is saved before anything else that could fail after training.
            saveModel(prepared, m, t);
            Dataset test = prepared.split().test();
            Map<String, Object> metrics =
                    TestMetrics.evaluate(trainer.evaluator(), test, prepared.targets(), topK);
            System.out.println(
                    TestMetrics.summary(metrics, regression)
                            + String.format(Locale.ROOT, "; training took %.2fs", wall));
            writeOutputs(prepared, m, b, t, history, metrics, wall, regression);
        }
        return 0;
    }

    /**
     * An MLP like this run's, for {@link JitWarmUp}: the input width guessed from the data name.
     */
    private String warmUpWorkload() {
        String d = data.data.toLowerCase(Locale.ROOT);
        int in = d.equals("digits") ? 64 : d.equals("fashion-mnist") ? 784 : 256;
        StringBuilder hidden = new StringBuilder();
        if (model.hidden != null && !model.hidden.equalsIgnoreCase("none")) {
            for (String h : model.hidden.split(",", -1)) {
                // The JIT needs the code paths, not the sizes: at most 1024 wide.
                hidden.append(Math.min(1024, Integer.parseInt(h.trim()))).append('-');
            }
        }
        int b = batchSize.equalsIgnoreCase("full") ? 128 : Math.max(1, Integer.parseInt(batchSize));
        return in + "-" + hidden + "10@" + Math.min(b, 1024);
    }

    /**
     * The data's fingerprint (null for embedded data); on a resume, checks it against the
     * checkpoint's.
     *
     * @throws IllegalArgumentException if the data changed and {@code --allow-changed-data} is off
     */
    String fingerprint() {
        if (checkpointDir == null && resumeFrom == null) {
            return null; // only checkpoints record it
        }
        String fingerprint = DataFingerprint.of(data.data);
        if (resumeFrom != null) {
            checkSameData(fingerprint);
        }
        return fingerprint;
    }

    Map<String, String> checkpointMetadata(String fingerprint) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("vtrain.args", Json.writeCompact(args));
        // The schedule's own length, kept when a resume extends the run.
        meta.put(
                "vtrain.schedule_epochs",
                Integer.toString(scheduleEpochs != null ? scheduleEpochs : epochs));
        meta.put(
                "vtrain.schedule_iters",
                Integer.toString(scheduleIters != null ? scheduleIters : text.iters));
        if (fingerprint != null) {
            meta.put(DataFingerprint.KEY, fingerprint);
        }
        return meta;
    }

    private void checkSameData(String fingerprint) {
        String was = resumeFrom.metadata().get(DataFingerprint.KEY);
        if (was == null || was.equals(fingerprint) || allowChangedData) {
            return;
        }
        throw new IllegalArgumentException(
                "--data "
                        + data.data
                        + " changed since the checkpoint was written (then "
                        + was
                        + "; now "
                        + (fingerprint == null ? "missing" : fingerprint)
                        + "); resume on the same data, or add --allow-changed-data to continue anyway");
    }

    private void writeOutputs(
            PreparedData prepared,
            Model m,
            Backend b,
            int t,
            History history,
            Map<String, Object> metrics,
            double wall,
            boolean regression) {
        try {
            if (historyCsv != null) {
                AtomicWrite.writeString(historyCsv, HistoryCsv.of(history));
                System.out.println("history: " + historyCsv);
            }
            if (plot != null) {
                LossCurvePlot.write(
                        history,
                        plot,
                        !regression,
                        "vtrain — "
                                + data.data
                                + " — "
                                + model.describe(m.inputShape(), m.outFeatures()));
                Path csv = plotCsv();
                AtomicWrite.writeString(csv, HistoryCsv.of(history));
                System.out.println("plot: " + plot + " (history: " + csv + ")");
            }
            if (report != null) {
                AtomicWrite.writeString(
                        report,
                        Json.write(RunReport.build(this, prepared, m, b, t, history, metrics, wall))
                                + "\n");
                System.out.println("report: " + report);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write output: " + e.getMessage(), e);
        }
    }

    private void saveModel(PreparedData prepared, Model m, int t) {
        if (save == null) {
            return;
        }
        try {
            ModelFile.save(
                    save,
                    m,
                    prepared.scaling(),
                    prepared.split().train().classNames(),
                    provenance(prepared, t));
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "Cannot write --save " + save + ": " + e.getMessage(), e);
        }
        System.out.println("model: " + save);
    }

    /**
     * Warns when the pretrained file's recorded feature scaling differs from this run's, or it
     * records none (a PyTorch state_dict) while this run scales by default.
     */
    private void warnOnScaling(Map<String, String> meta, dev.vtrain.data.FeatureScaling scaling) {
        String run = flagName(scaling.kind());
        String recorded = meta.get("vtrain.scaling");
        boolean explicit = spec.commandLine().getParseResult().hasMatchedOption("--scaling");
        String source = null;
        if (recorded != null) {
            Object kind = ((Map<?, ?>) Json.parse(recorded)).get("kind");
            source =
                    kind == null
                            ? null
                            : flagName(dev.vtrain.data.FeatureScaling.Kind.valueOf((String) kind));
        }
        if (source == null
                && !explicit
                && scaling.kind() != dev.vtrain.data.FeatureScaling.Kind.NONE) {
            System.err.println(
                    "vtrain: warning: --init-from "
                            + initFrom
                            + " records no feature scaling (a PyTorch state_dict?), but this run scales inputs"
                            + " with "
                            + run
                            + "; if the pretrained model saw raw inputs, add --scaling none");
        } else if (source != null && !source.equals(run)) {
            System.err.println(
                    "vtrain: warning: --init-from "
                            + initFrom
                            + " was trained on inputs scaled with "
                            + source
                            + ", this run scales with "
                            + run
                            + "; add --scaling "
                            + source
                            + " to feed it what it learned on");
        }
    }

    private static String flagName(dev.vtrain.data.FeatureScaling.Kind k) {
        return k.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private Model prepareModel(
            Shape input,
            int outputs,
            int batch,
            Backend b,
            dev.vtrain.data.FeatureScaling scaling) {
        Model m = Model.build(model.build(input, outputs), input, batch, b, seed);
        try {
            if (initFrom != null) {
                Pretrained.Report r = Pretrained.load(m, initFrom, newHead);
                System.out.printf(
                        Locale.ROOT,
                        "init: %d tensors from %s%s%s%n",
                        r.loaded().size(),
                        initFrom,
                        r.newHead().isEmpty() ? "" : "; new output layer " + r.newHead(),
                        r.unused().isEmpty() ? "" : "; unused tensors in the file " + r.unused());
                warnOnScaling(r.metadata(), scaling);
            }
            if (!freeze.isEmpty()) {
                m.freeze(freeze);
                System.out.println(
                        "frozen: layers " + freeze + "; trainable " + m.trainableParameters());
            }
            return m;
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    private Map<String, String> provenance(PreparedData prepared, int t) {
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("vtrain.version", new Main.Version().getVersion()[0]);
        extra.put("vtrain.seed", Long.toString(seed));
        extra.put("vtrain.data", data.data);
        extra.put("vtrain.task", data.regression() ? "regression" : "classification");
        extra.put("vtrain.val_split", Double.toString(data.valSplit));
        extra.put("vtrain.test_split", Double.toString(data.testSplit));
        if (prepared.columns() != null) {
            extra.put("vtrain.label_column", prepared.columns().label());
            extra.put("vtrain.feature_columns", Json.writeCompact(prepared.columns().features()));
        } else if (data.labelColumn != null) {
            extra.put("vtrain.label_column", data.labelColumn);
        }
        if (prepared.targets() != null) {
            extra.put(TargetScalingMetadata.KEY, TargetScalingMetadata.json(prepared.targets()));
        }
        extra.put("vtrain.threads", Integer.toString(t));
        return extra;
    }
}
