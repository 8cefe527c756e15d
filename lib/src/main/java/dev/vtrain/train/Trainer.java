package dev.vtrain.train;

import dev.vtrain.backend.Backend;
import dev.vtrain.data.DataLoader;
import dev.vtrain.data.Dataset;
import dev.vtrain.nn.Model;
import dev.vtrain.nn.loss.Loss;
import dev.vtrain.optim.Optimizer;
import dev.vtrain.tensor.SlabPlan;
import dev.vtrain.tensor.Storage;
import dev.vtrain.tensor.Tensor;

/**
 * An explicit training loop. Owns the batch input and target buffers ({@code maxBatch} rows) and
 * two device scalars that accumulate loss and correct predictions, so a step needs no host round
 * trip; figures are read back once per epoch.
 */
public final class Trainer implements AutoCloseable {
    private final Model model;
    private final Loss loss;
    private final Optimizer optimizer;
    private final Backend backend;
    private final Storage storage;
    private final Tensor input;
    private final Tensor target;
    private final Tensor lossSum;
    private final Tensor correct;
    private final float[] scalar = new float[1];

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

    private void checkCompatible(Dataset data) {
        if (data.featureCount() != model.inFeatures()) {
            throw new IllegalArgumentException(
                    data.name()
                            + ": samples have "
                            + data.featureCount()
                            + " features but the model expects "
                            + model.inFeatures());
        }
        if (data.targetWidth() != target.cols()) {
            throw new IllegalArgumentException(
                    data.name()
                            + ": targets have width "
                            + data.targetWidth()
                            + " but "
                            + loss
                            + " expects "
                            + target.cols());
        }
        if (data.isClassification() && data.numClasses() > model.outFeatures()) {
            throw new IllegalArgumentException(
                    data.name()
                            + ": "
                            + data.numClasses()
                            + " classes but the model has only "
                            + model.outFeatures()
                            + " outputs");
        }
    }

    /**
     * One training step on the first {@code rows} rows of {@link #input()} and {@link #target()}:
     * zero gradients, forward, loss (accumulated into the epoch's loss), backward, optimizer step
     * at {@code lr}. Accumulates correct predictions when {@code countCorrect}.
     */
    public void step(int rows, float lr, boolean countCorrect) {
        Tensor x = input.firstRows(rows);
        Tensor y = target.firstRows(rows);
        model.zeroGrad();
        Tensor out = model.forward(x, true);
        loss.compute(backend, out, y, model.outputGradient(rows), lossSum);
        if (countCorrect) {
            backend.countCorrect(out, y, correct);
        }
        model.backward(x);
        optimizer.step(lr);
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

    private double readScalar(Tensor t) {
        backend.download(t, scalar, 0);
        return scalar[0];
    }

    /**
     * Trains for {@code epochs} epochs on {@code train} in shuffled batches of up to the model's
     * maximum batch size, evaluating on {@code validation} (may be null or empty) after each.
     *
     * @throws TrainingDivergedException if the training loss becomes NaN or infinite
     */
    public History fit(
            Dataset train, Dataset validation, int epochs, long seed, TrainingListener listener) {
        checkCompatible(train);
        if (validation != null && validation.size() > 0) {
            checkCompatible(validation);
        }
        if (epochs < 0) {
            throw new IllegalArgumentException("Invalid epoch count: " + epochs + " (must be ≥ 0)");
        }
        if (train.size() == 0) {
            throw new IllegalArgumentException(train.name() + ": no training samples");
        }
        DataLoader loader = new DataLoader(train, model.maxBatch(), true, seed);
        boolean classification = train.isClassification();
        History history = new History();
        for (int epoch = 1; epoch <= epochs; epoch++) {
            loader.startEpoch(epoch - 1);
            backend.fill(lossSum, 0f);
            backend.fill(correct, 0f);
            long start = System.nanoTime();
            long done = 0;
            int batches = loader.batches();
            float lr = optimizer.learningRate();
            for (int b = 0; b < batches; b++) {
                int rows = loader.load(b, backend, input, target);
                step(rows, lr, classification);
                done += rows;
                listener.onBatch(epoch, b + 1, batches, done, System.nanoTime() - start);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double trainLoss =
                    readScalar(lossSum) / loss.meanDivisor(train.size(), model.outFeatures());
            double trainAcc = classification ? readScalar(correct) / train.size() : Double.NaN;
            if (!Double.isFinite(trainLoss)) {
                throw new TrainingDivergedException(
                        "Training loss became "
                                + trainLoss
                                + " in epoch "
                                + epoch
                                + "; lower the learning rate or check the data for extreme values");
            }
            Evaluation val =
                    validation != null && validation.size() > 0 ? evaluate(validation) : null;
            EpochStats stats =
                    new EpochStats(
                            epoch,
                            trainLoss,
                            trainAcc,
                            val == null ? Double.NaN : val.loss(),
                            val == null ? Double.NaN : val.accuracy(),
                            seconds,
                            train.size() / seconds);
            history.add(stats);
            listener.onEpoch(stats);
        }
        return history;
    }

    /** Mean loss and accuracy of the model on {@code data}, in evaluation mode. */
    public Evaluation evaluate(Dataset data) {
        checkCompatible(data);
        DataLoader loader = new DataLoader(data, model.maxBatch(), false, 0);
        backend.fill(lossSum, 0f);
        backend.fill(correct, 0f);
        boolean classification = data.isClassification();
        for (int b = 0; b < loader.batches(); b++) {
            int rows = loader.load(b, backend, input, target);
            Tensor x = input.firstRows(rows);
            Tensor y = target.firstRows(rows);
            Tensor out = model.forward(x, false);
            loss.compute(backend, out, y, null, lossSum);
            if (classification) {
                backend.countCorrect(out, y, correct);
            }
        }
        int n = data.size();
        double l =
                n == 0
                        ? Double.NaN
                        : readScalar(lossSum) / loss.meanDivisor(n, model.outFeatures());
        double acc = classification && n > 0 ? readScalar(correct) / n : Double.NaN;
        return new Evaluation(l, acc, n);
    }

    /** Frees the trainer's buffers (not the model or optimizer). */
    @Override
    public void close() {
        storage.close();
    }
}
