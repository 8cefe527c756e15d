package dev.vtrain.train;

import dev.vtrain.backend.Backend;
import dev.vtrain.data.DataLoader;
import dev.vtrain.data.Dataset;
import dev.vtrain.jfr.EpochEvent;
import dev.vtrain.jfr.TrainingStepEvent;
import dev.vtrain.nn.Model;
import dev.vtrain.nn.Parameter;
import dev.vtrain.nn.loss.Loss;
import dev.vtrain.optim.GradientClipping;
import dev.vtrain.optim.Optimizer;
import dev.vtrain.tensor.SlabPlan;
import dev.vtrain.tensor.Storage;
import dev.vtrain.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * An explicit training loop. Owns the batch input and target buffers ({@code maxBatch} rows) and
 * device scalars for the step's loss and the epoch's correct predictions. A step reads back one
 * scalar (the loss) and, when guarding against non-finite values or clipping by norm, computes the
 * global gradient norm; it allocates nothing.
 *
 * <p>Single-threaded, like its model: while one thread is in {@link #fit} or {@link #step}, any
 * other thread's use of the model (this trainer, an {@link Evaluator}, {@code Model.forward}) fails
 * with an {@link IllegalStateException}. To answer predictions while training, publish weights with
 * {@code dev.vtrain.serve.WeightSnapshots}.
 */
public final class Trainer implements AutoCloseable {
    /** What one {@link #step} did. */
    public enum StepOutcome {
        /** The optimizer updated the parameters. */
        APPLIED,
        /** Loss or gradient norm was NaN or infinite; parameters were left unchanged. */
        SKIPPED_NON_FINITE
    }

    private final Model model;
    private final Loss loss;
    private final Optimizer optimizer;
    private final Backend backend;
    private final Storage storage;
    private final Tensor input;
    private final Tensor target;
    private final Tensor lossSum;
    private final Tensor correct;
    private final Parameter[] l1Params;
    private final float[] scalar = new float[1];
    private final Evaluator evaluator;
    private final TrainingStepEvent stepEvent = new TrainingStepEvent();
    private TrainingOptions stepOptions = TrainingOptions.builder().build();
    private GradientReducer reducer;
    private double lastLoss;
    private double lastGradNorm;

    /** A trainer for {@code model}; it does not own the model or the optimizer. */
    public Trainer(Model model, Loss loss, Optimizer optimizer) {
        this.model = model;
        this.loss = loss;
        this.optimizer = optimizer;
        this.backend = model.backend();
        SlabPlan plan = new SlabPlan();
        SlabPlan.Slot x = plan.add("input", model.maxBatch(), model.inFeatures());
        SlabPlan.Slot y =
                plan.add("target", model.maxBatch(), loss.targetWidth(model.outFeatures()));
        SlabPlan.Slot l = plan.add("lossSum", 1);
        SlabPlan.Slot c = plan.add("correct", 1);
        this.storage = plan.allocate(backend::allocate);
        this.input = x.tensor();
        this.target = y.tensor();
        this.lossSum = l.tensor();
        this.correct = c.tensor();
        List<Parameter> l1 = new ArrayList<>();
        for (Parameter p : model.parameters()) {
            if (p.decays()) {
                l1.add(p);
            }
        }
        this.l1Params = l1.toArray(Parameter[]::new);
        this.evaluator = new Evaluator(model, loss);
    }

    /** The evaluation-mode passes this trainer uses between epochs. */
    public Evaluator evaluator() {
        return evaluator;
    }

    /** The model being trained. */
    public Model model() {
        return model;
    }

    /** Input buffer ({@code maxBatch × inFeatures}); fill its first rows before {@link #step}. */
    public Tensor input() {
        return input;
    }

    /** Target buffer ({@code maxBatch × targetWidth}). */
    public Tensor target() {
        return target;
    }

    /** Updates the optimizer has applied (the step a schedule is evaluated at). */
    public long optimizerSteps() {
        return optimizer.steps();
    }

    /** Mean loss of the last {@link #step} (L1 penalty included). */
    public double lastLoss() {
        return lastLoss;
    }

    /** Global L2 gradient norm of the last step before clipping (NaN when not computed). */
    public double lastGradNorm() {
        return lastGradNorm;
    }

    private void checkCompatible(Dataset data) {
        Evaluator.checkCompatible(model, loss, data);
    }

    /**
     * Makes every {@link #step} hand its gradients to {@code reducer} (data-parallel training)
     * before clipping and the optimizer; null removes it. {@link #lastLoss()} stays this worker's
     * own loss; whether a step is skipped as non-finite is decided on the reduced gradients' norm
     * only, so all workers decide alike. Meant for loops of {@link #step} with equal batches on
     * every worker: {@link #fit}'s uneven last batch and local early stopping would let workers
     * diverge.
     */
    public void gradientReducer(GradientReducer reducer) {
        this.reducer = reducer;
    }

    /**
     * Sets the clipping, L1 and non-finite settings {@link #step} uses (fit sets them from its
     * options).
     */
    public void configure(TrainingOptions options) {
        this.stepOptions = options;
    }

    /**
     * One training step on the first {@code rows} rows of {@link #input()} and {@link #target()}:
     * forward, loss, backward (overwriting the gradients), L1, clipping by value, global norm
     * (checked for NaN/∞), then the optimizer at {@code lr}, which applies the clip-by-norm factor
     * as it reads the gradients (so after the step the gradients hold their unclipped values;
     * {@link #lastGradNorm()} is their norm). A non-finite loss or norm skips the update.
     * Accumulates correct predictions into the epoch counter when {@code countCorrect}.
     *
     * @throws TrainingDivergedException if the norm is not finite and the options say to fail
     */
    public StepOutcome step(int rows, float lr, boolean countCorrect) {
        boolean entered = model.guard().enter();
        try {
            return stepEntered(rows, lr, countCorrect);
        } finally {
            model.guard().exit(entered);
        }
    }

    private StepOutcome stepEntered(int rows, float lr, boolean countCorrect) {
        // One event object reused for every step (this trainer is single-threaded): a new one per
        // step would allocate once JFR has been initialised, even with no recording running.
        TrainingStepEvent event = stepEvent;
        boolean timed = event.isEnabled();
        long t0 = 0;
        if (timed) {
            event.begin();
            t0 = System.nanoTime();
        }
        TrainingOptions o = stepOptions;
        Tensor x = input.firstRows(rows);
        Tensor y = target.firstRows(rows);
        Tensor out = model.forward(x, true);
        backend.fill(lossSum, 0f);
        loss.compute(backend, out, y, model.outputGradient(rows), lossSum);
        if (countCorrect) {
            backend.countCorrect(out, y, correct);
        }
        long t1 = timed ? System.nanoTime() : 0;
        // Overwrites the gradients, so no zeroing pass precedes the step.
        model.backward(x, false);
        double penalty = 0;
        if (o.l1() > 0f) {
            // Frozen parameters get no gradient, so no L1 term either (their gradient stays zero).
            for (Parameter p : l1Params) {
                if (!p.frozen()) {
                    penalty += o.l1() * backend.addL1Gradient(p.value(), p.grad(), o.l1());
                }
            }
        }
        lastLoss = readScalar(lossSum) / loss.meanDivisor(rows, model.outFeatures()) + penalty;
        if (reducer != null) {
            reducer.reduce(model.gradientSlab(), backend);
        }
        if (o.clipValue() > 0f) {
            GradientClipping.clipGradValue(model, o.clipValue());
        }
        double norm = Double.NaN;
        if (o.checkFinite() || o.clipNorm() > 0f) {
            norm = Math.sqrt(backend.sumOfSquares(model.gradientSlab()));
        }
        lastGradNorm = norm;
        boolean normBad = (o.checkFinite() || o.clipNorm() > 0f) && !Double.isFinite(norm);
        if (normBad && o.failOnNonFiniteNorm()) {
            throw new TrainingDivergedException(
                    "The total norm of gradients is "
                            + norm
                            + "; lower the learning rate, clip by value, or check the data for extreme values");
        }
        // With a reducer, only the reduced norm decides (the same on every worker): a worker's own
        // loss must not make it alone skip a step the others take.
        if (o.checkFinite() && ((reducer == null && !Double.isFinite(lastLoss)) || normBad)) {
            return StepOutcome.SKIPPED_NON_FINITE;
        }
        float gradScale = 1f;
        if (o.clipNorm() > 0f) {
            // GradientClipping's rule on the norm computed above; the factor is applied inside
            // the optimizer's update pass, so the gradients keep their unclipped values.
            gradScale = GradientClipping.scaleFor(norm, o.clipNorm());
        }
        long t2 = timed ? System.nanoTime() : 0;
        optimizer.step(lr, gradScale);
        if (timed) {
            long t3 = System.nanoTime();
            event.end();
            if (event.shouldCommit()) {
                event.step = optimizer.steps() - 1;
                event.rows = rows;
                event.loss = lastLoss;
                event.forward = t1 - t0;
                event.backward = t2 - t1;
                event.optimizer = t3 - t2;
                event.commit();
            }
        }
        return StepOutcome.APPLIED;
    }

    private double readScalar(Tensor t) {
        backend.download(t, scalar, 0);
        return scalar[0];
    }

    /**
     * Trains for {@code epochs} epochs with default options.
     *
     * @see #fit(Dataset, Dataset, TrainingOptions)
     */
    public History fit(
            Dataset train, Dataset validation, int epochs, long seed, TrainingListener listener) {
        return fit(
                train,
                validation,
                TrainingOptions.builder().epochs(epochs).seed(seed).listener(listener).build());
    }

    /**
     * Trains on {@code train} in shuffled batches of up to the model's maximum batch size,
     * evaluating on {@code validation} (may be null or empty) after each epoch, as {@code options}
     * say. The rate of each step is {@code schedule(successful steps so far) × plateau scale}.
     *
     * @throws TrainingDivergedException after {@code maxBadSteps} consecutive non-finite steps
     */
    public History fit(Dataset train, Dataset validation, TrainingOptions options) {
        return fit(train, validation, options, new TrainingState(), null);
    }

    /**
     * Continues (or starts) training from {@code state}: the epoch and batch to resume at, the
     * epoch's running sums, early-stopping counters and history. The caller has already restored
     * the model's parameters and dropout counters, the optimizer and the plateau monitor (see
     * {@code dev.vtrain.io.Checkpoints}); {@code bestParams} are the best epoch's parameters when
     * early stopping restores them (null otherwise). With the same backend and thread count, the
     * result is bit-identical to an uninterrupted run. {@code state} is updated as training goes.
     */
    public History fit(
            Dataset train,
            Dataset validation,
            TrainingOptions options,
            TrainingState state,
            float[] bestParams) {
        boolean entered = model.guard().enter();
        try {
            return fitEntered(train, validation, options, state, bestParams);
        } finally {
            model.guard().exit(entered);
        }
    }

    private History fitEntered(
            Dataset train,
            Dataset validation,
            TrainingOptions options,
            TrainingState state,
            float[] bestParams) {
        checkCompatible(train);
        boolean hasVal = validation != null && validation.size() > 0;
        if (hasVal) {
            checkCompatible(validation);
        }
        if (train.size() == 0) {
            throw new IllegalArgumentException(train.name() + ": no training samples");
        }
        configure(options);
        DataLoader loader = new DataLoader(train, model.maxBatch(), true, options.seed());
        boolean classification = train.isClassification();
        EarlyStopping es = options.earlyStopping();
        int slab = Math.toIntExact(model.parameterSlab().size());
        Storage best = es != null && es.restoreBest() ? backend.allocate(slab) : null;
        try {
            Tensor bestTensor = best == null ? null : Tensor.of(best, 0, slab);
            if (bestTensor != null && bestParams != null) {
                backend.upload(bestParams, 0, bestTensor);
            }
            TrainingState s = state;
            boolean resumedMidEpoch = s.batch > 0;
            while (!s.stopped && s.epoch <= options.epochs()) {
                int epoch = s.epoch;
                if (!resumedMidEpoch) {
                    s.startEpoch(epoch);
                }
                resumedMidEpoch = false;
                loader.startEpoch(epoch - 1);
                scalar[0] = (float) s.correct;
                backend.upload(scalar, 0, correct);
                EpochEvent epochEvent = new EpochEvent();
                epochEvent.begin();
                long start = System.nanoTime() - (long) (s.epochSeconds * 1e9);
                int batches = loader.batches();
                float lr = 0f;
                while (s.batch < batches) {
                    int rows = loader.load(s.batch, backend, input, target);
                    lr = rate(options);
                    if (step(rows, lr, classification) == StepOutcome.APPLIED) {
                        s.consecutiveBad = 0;
                        s.appliedRows += rows;
                        s.lossTotal += lastLoss * rows;
                    } else {
                        s.skipped++;
                        if (++s.consecutiveBad >= options.maxBadSteps()) {
                            throw new TrainingDivergedException(
                                    "Training stopped in epoch "
                                            + epoch
                                            + ": "
                                            + s.consecutiveBad
                                            + " consecutive steps had a non-finite loss or gradient norm (last"
                                            + " loss "
                                            + lastLoss
                                            + ", norm "
                                            + lastGradNorm
                                            + "); lower the learning rate, clip gradients, or check the data");
                        }
                    }
                    s.batch++;
                    s.batchesDone++;
                    long done = Math.min((long) s.batch * model.maxBatch(), train.size());
                    options.listener()
                            .onBatch(epoch, s.batch, batches, done, System.nanoTime() - start);
                    if (options.checkpoints() != null
                            && options.checkpointEvery() > 0
                            && s.batchesDone % options.checkpointEvery() == 0
                            && s.batch < batches) {
                        s.correct = classification ? readScalar(correct) : 0;
                        s.epochSeconds = (System.nanoTime() - start) / 1e9;
                        checkpoint(options, s, bestTensor);
                    }
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                double trainLoss = s.appliedRows == 0 ? Double.NaN : s.lossTotal / s.appliedRows;
                double trainAcc = classification ? readScalar(correct) / train.size() : Double.NaN;
                Evaluation val = hasVal ? evaluate(validation) : null;
                EpochStats stats =
                        new EpochStats(
                                epoch,
                                trainLoss,
                                trainAcc,
                                val == null ? Double.NaN : val.loss(),
                                val == null ? Double.NaN : val.accuracy(),
                                lr,
                                s.skipped,
                                seconds,
                                train.size() / seconds);
                s.history.add(stats);
                commit(epochEvent, stats);
                if (options.plateau() != null) {
                    double base =
                            options.schedule() == null
                                    ? optimizer.learningRate()
                                    : options.schedule().lr(optimizer.steps());
                    options.plateau()
                            .record(options.plateauMonitor().value().applyAsDouble(stats), base);
                }
                options.listener().onEpoch(stats);
                if (es != null) {
                    double v = es.monitor().value().applyAsDouble(stats);
                    if (es.improves(v, s.bestValue)) {
                        s.bestValue = v;
                        s.bestEpoch = epoch;
                        s.sinceBest = 0;
                        if (bestTensor != null) {
                            backend.copy(model.parameterSlab(), bestTensor);
                        }
                    } else if (++s.sinceBest >= es.patience()) {
                        s.stopped = epoch < options.epochs();
                    }
                } else {
                    s.bestEpoch = epoch;
                }
                s.startEpoch(epoch + 1);
                if (s.stopped) {
                    break;
                }
                if (options.checkpoints() != null) {
                    checkpoint(options, s, bestTensor);
                }
            }
            History history = new History();
            s.history.forEach(history::add);
            boolean restored = false;
            if (bestTensor != null && s.bestEpoch > 0 && s.bestEpoch != s.history.size()) {
                backend.copy(bestTensor, model.parameterSlab());
                restored = true;
            }
            history.finish(s.bestEpoch, s.stopped, restored);
            return history;
        } finally {
            if (best != null) {
                best.close();
            }
        }
    }

    private static void commit(EpochEvent event, EpochStats stats) {
        event.end();
        if (event.shouldCommit()) {
            event.epoch = stats.epoch();
            event.trainLoss = stats.trainLoss();
            event.trainAccuracy = stats.trainAccuracy();
            event.validationLoss = stats.valLoss();
            event.validationAccuracy = stats.valAccuracy();
            event.samplesPerSecond = stats.samplesPerSecond();
            event.skippedSteps = (int) Math.min(Integer.MAX_VALUE, stats.skippedSteps());
            event.commit();
        }
    }

    private static void checkpoint(TrainingOptions options, TrainingState s, Tensor bestTensor) {
        try {
            options.checkpoints().save(s, bestTensor);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("Cannot write checkpoint: " + e.getMessage(), e);
        }
    }

    private float rate(TrainingOptions o) {
        double lr =
                o.schedule() == null
                        ? optimizer.learningRate()
                        : o.schedule().lr(optimizer.steps());
        if (o.plateau() != null) {
            lr *= o.plateau().scale();
        }
        return (float) lr;
    }

    /**
     * Mean loss of the model on the first {@code rows} rows already in {@link #input()} and {@link
     * #target()}, in evaluation mode, read back to the host (no gradients, no update).
     */
    public double evaluateLoaded(int rows) {
        backend.fill(lossSum, 0f);
        Tensor out = model.forward(input.firstRows(rows), false);
        loss.compute(backend, out, target.firstRows(rows), null, lossSum);
        return readScalar(lossSum) / loss.meanDivisor(rows, model.outFeatures());
    }

    /**
     * Mean loss and accuracy of the model on {@code data}, in evaluation mode (see {@link
     * Evaluator}, which needs no optimizer).
     */
    public Evaluation evaluate(Dataset data) {
        return evaluator.evaluate(data);
    }

    /**
     * The model's outputs for every sample of {@code data} (n × outFeatures, row-major), in
     * evaluation mode.
     */
    public float[] predict(Dataset data) {
        return evaluator.predict(data);
    }

    /** Frees the trainer's buffers (not the model or optimizer). */
    @Override
    public void close() {
        storage.close();
        evaluator.close();
    }
}
