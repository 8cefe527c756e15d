package dev.vtrain.cli;

import dev.vtrain.backend.Backend;
import dev.vtrain.backend.Backends;
import dev.vtrain.data.CharCorpus;
import dev.vtrain.data.FeatureScaling;
import dev.vtrain.data.TokenWindows;
import dev.vtrain.io.AtomicWrite;
import dev.vtrain.io.Checkpoints;
import dev.vtrain.io.Json;
import dev.vtrain.io.ModelFile;
import dev.vtrain.nn.Layer;
import dev.vtrain.nn.Model;
import dev.vtrain.nn.loss.SequenceCrossEntropyLoss;
import dev.vtrain.nn.spec.Layers;
import dev.vtrain.nn.spec.SpecParser;
import dev.vtrain.optim.Optimizer;
import dev.vtrain.optim.schedule.Schedule;
import dev.vtrain.tensor.Shape;
import dev.vtrain.train.TextTraining;
import dev.vtrain.train.Trainer;
import dev.vtrain.train.TrainingOptions;
import dev.vtrain.train.TrainingState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code vtrain train} on text: a character-level language model trained for {@code --iters}
 * iterations of random windows, evaluated on fixed batches of both splits, saved with its
 * vocabulary. The default model is nanoGPT's CPU "baby GPT".
 */
final class TextTrainRun {
    /** nanoGPT's CPU configuration of its shakespeare_char example. */
    static final String DEFAULT_MODEL = "gpt(layers=4,heads=4,embd=128,block=64)";

    private static final double LN2 = Math.log(2);

    private final TrainCommand c;

    TextTrainRun(TrainCommand c) {
        this.c = c;
    }

    static CharCorpus corpus(String data) {
        if (data.equalsIgnoreCase("shakespeare")) {
            return CharCorpus.shakespeare();
        }
        Path p = Path.of(data);
        try {
            return CharCorpus.read(p);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("--data " + data + ": no such file");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read --data " + data + ": " + e.getMessage(), e);
        }
    }

    private void refuse(String flag, String why) {
        if (c.spec.commandLine().getParseResult().hasMatchedOption(flag)) {
            throw new UsageException(flag + " " + why);
        }
    }

    int run() {
        TextOptions o = c.text;
        UsageException.wrap(
                () -> {
                    o.validate();
                    c.validateCommon();
                    if (c.model.model != null && !c.model.model.endsWith(".json")) {
                        SpecParser.parse(c.model.model);
                    }
                    c.schedule.buildIterations(
                            c.optimizer.lr, Math.max(1, o.iters), o.warmupIters, true);
                });
        for (String f :
                List.of("--epochs", "--hidden", "--activation", "--dropout", "--input-shape")) {
            refuse(
                    f,
                    "does not apply to text training (a language model trains for --iters iterations)");
        }
        String spec = c.model.model == null ? DEFAULT_MODEL : c.model.model;
        int declared = Layers.declaredBlock(spec);
        int block = o.block != null ? o.block : declared > 0 ? declared : 64;
        if (declared > 0 && block > declared) {
            throw new UsageException(
                    "--block "
                            + block
                            + " is larger than the model's context (block="
                            + declared
                            + ")");
        }
        int batch = c.parseBatch(Integer.MAX_VALUE);
        String fingerprint = c.fingerprint();
        CharCorpus corpus = corpus(c.data.data);
        int vocab = corpus.vocabulary().size();
        int[] trainTokens = corpus.train();
        TokenWindows train =
                new TokenWindows(corpus.name() + " (train split)", trainTokens, block, c.seed);
        int[] valTokens = corpus.validation();
        TokenWindows validation =
                valTokens.length > block
                        ? new TokenWindows(
                                corpus.name() + " (validation split)",
                                valTokens,
                                block,
                                c.seed ^ 0x5DEECE66DL)
                        : null;
        TokenWindows trainEval =
                new TokenWindows(corpus.name(), trainTokens, block, c.seed ^ 0x2545F4914F6CDD1DL);
        System.out.printf(
                Locale.ROOT,
                "data: %s — %,d characters, vocabulary of %d; %,d train, %,d validation%s%n",
                corpus.name(),
                corpus.size(),
                vocab,
                trainTokens.length,
                valTokens.length,
                validation == null ? " (too short to evaluate)" : "");
        int t = ThreadCount.resolve(c.threads);
        Shape input = Shape.of(block);
        Layer net = Layers.fromSpec(spec, input, vocab);
        Shape out = net.outputShape(input);
        if (out.rank() != 2 || out.dim(1) != vocab) {
            throw new IllegalArgumentException(
                    "--model: the network maps "
                            + input
                            + " to "
                            + out
                            + " but a language model of this text needs ("
                            + block
                            + ", "
                            + vocab
                            + ") logits");
        }
        Backends.Selection selection = BackendFlag.create(c.backend, t, net.spec());
        try (Backend b = selection.backend();
                Model m = Model.build(net, input, batch, b, c.seed);
                Optimizer opt = c.optimizer.build(m);
                Trainer trainer = new Trainer(m, new SequenceCrossEntropyLoss(vocab), opt)) {
            boolean minLrGiven = c.spec.commandLine().getParseResult().hasMatchedOption("--min-lr");
            Schedule schedule =
                    c.schedule.buildIterations(
                            c.optimizer.lr,
                            c.scheduleIters != null ? c.scheduleIters : o.iters,
                            o.warmupIters,
                            minLrGiven);
            TextTraining.Position from = resumed(m, opt, o.iters);
            trainer.configure(
                    TrainingOptions.builder()
                            .clipNorm(c.regularization.clipNorm, c.regularization.failOnNonFinite)
                            .clipValue(c.regularization.clipValue)
                            .l1(c.regularization.l1)
                            .nonFinite(true, c.regularization.maxBadSteps)
                            .build());
            System.out.printf(
                    Locale.ROOT,
                    "model: %s, %,d parameters; %s; lr %s%s; batch %d × %d; backend %s%n",
                    net.toString().replace('\n', ' '),
                    m.parameterCount(),
                    opt,
                    c.schedule.schedule,
                    o.warmupIters > 0 ? " after " + o.warmupIters + " warm-up iterations" : "",
                    batch,
                    block,
                    b.description());
            TextTraining training = new TextTraining(trainer);
            long start = System.nanoTime();
            TextTraining.Evaluation last =
                    training.run(
                            train,
                            trainEval,
                            validation,
                            new TextTraining.Options(
                                    o.iters,
                                    batch,
                                    o.evalEvery,
                                    o.evalIters,
                                    schedule,
                                    c.regularization.maxBadSteps),
                            new TextProgress(System.out, o.iters, (long) batch * block),
                            from,
                            c.checkpointEvery,
                            c.checkpointDir == null ? null : checkpointer(m, opt, fingerprint));
            double wall = (System.nanoTime() - start) / 1e9;
            System.out.printf(
                    Locale.ROOT,
                    "validation loss %.4f (%.4f bits per character) on %d batches; training %.2fs"
                            + " (%.2f ms per iteration, %,.0f tokens/s), %.2fs with evaluations%n",
                    last.validationLoss(),
                    last.validationLoss() / LN2,
                    o.evalIters,
                    last.seconds(),
                    o.iters == 0 ? 0 : 1000 * last.seconds() / o.iters,
                    last.tokensPerSecond(),
                    wall);
            if (c.save != null) {
                save(m, corpus, block, t, last);
            }
            if (c.report != null) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("data", corpus.name());
                r.put("model", spec);
                r.put("parameters", m.parameterCount());
                r.put("iterations", (long) o.iters);
                r.put("batch", (long) batch);
                r.put("block", (long) block);
                r.put("train_loss", last.trainEvalLoss());
                r.put("validation_loss", last.validationLoss());
                r.put("seconds", last.seconds());
                r.put("tokens_per_second", last.tokensPerSecond());
                writeString(c.report, Json.write(r) + "\n");
                System.out.println("report: " + c.report);
            }
        }
        return 0;
    }

    /** The position to start from: a new run's start, or the restored checkpoint's. */
    private TextTraining.Position resumed(Model m, Optimizer opt, int iterations) {
        if (c.resumeFrom == null) {
            return TextTraining.Position.START;
        }
        TrainingState s = c.resumeFrom.restore(m, opt, null);
        Map<String, String> meta = c.resumeFrom.metadata();
        TextTraining.Position at =
                new TextTraining.Position(
                        (int) s.batchesDone,
                        Double.parseDouble(meta.getOrDefault("vtrain.text.loss_since", "0")),
                        Integer.parseInt(meta.getOrDefault("vtrain.text.steps_since", "0")),
                        Long.parseLong(meta.getOrDefault("vtrain.text.train_nanos", "0")));
        System.out.printf(
                Locale.ROOT, "resumed at iteration %d of %d%n", at.iteration(), iterations);
        if (at.iteration() >= iterations) {
            System.out.println("the checkpoint is of a finished run; nothing left to train");
        }
        return at;
    }

    private TextTraining.Checkpointer checkpointer(Model m, Optimizer opt, String fingerprint) {
        return at -> {
            TrainingState s = new TrainingState();
            s.epoch = 1;
            s.batch = at.iteration();
            s.batchesDone = at.iteration();
            Map<String, String> extra = c.checkpointMetadata(fingerprint);
            extra.put("vtrain.text.loss_since", Double.toString(at.lossSince()));
            extra.put("vtrain.text.steps_since", Integer.toString(at.stepsSince()));
            extra.put("vtrain.text.train_nanos", Long.toString(at.trainNanos()));
            Checkpoints.write(c.checkpointDir, m, opt, null, s, null, extra);
        };
    }

    private void save(
            Model m, CharCorpus corpus, int block, int threads, TextTraining.Evaluation last) {
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("vtrain.version", new Main.Version().getVersion()[0]);
        extra.put("vtrain.task", "language-model");
        extra.put("vtrain.vocabulary", corpus.vocabulary().characters());
        extra.put("vtrain.data", c.data.data);
        extra.put("vtrain.seed", Long.toString(c.seed));
        extra.put("vtrain.threads", Integer.toString(threads));
        extra.put("vtrain.validation_loss", Double.toString(last.validationLoss()));
        try {
            ModelFile.save(c.save, m, FeatureScaling.none(block), List.of(), extra);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "Cannot write --save " + c.save + ": " + e.getMessage(), e);
        }
        System.out.println("model: " + c.save);
    }

    private static void writeString(Path p, String s) {
        try {
            AtomicWrite.writeString(p, s);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + p + ": " + e.getMessage(), e);
        }
    }
}
