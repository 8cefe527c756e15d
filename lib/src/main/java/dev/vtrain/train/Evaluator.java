package dev.vtrain.train;

import dev.vtrain.backend.Backend;
import dev.vtrain.data.DataLoader;
import dev.vtrain.data.Dataset;
import dev.vtrain.jfr.EvaluationEvent;
import dev.vtrain.nn.Model;
import dev.vtrain.nn.loss.Loss;
import dev.vtrain.tensor.SlabPlan;
import dev.vtrain.tensor.Storage;
import dev.vtrain.tensor.Tensor;

/**
 * Evaluation-mode passes over a model, with no optimizer: mean loss and accuracy on a dataset, and
 * the raw outputs for every sample. Owns input and target buffers of the model's maximum batch and
 * two device scalars; it does not own the model. Batch norm uses its running statistics and dropout
 * is off. Single-threaded: one call at a time, on the thread that trains the model (if any),
 * between training steps; a call while another thread uses the model fails with an {@link
 * IllegalStateException} (for serving, see {@code dev.vtrain.serve.Predictor}).
 */
public final class Evaluator implements AutoCloseable {
    private final Model model;
    private final Loss loss;
    private final Backend backend;
    private final Storage storage;
    private final Tensor input;
    private final Tensor target;
    private final Tensor lossSum;
    private final Tensor correct;
    private final float[] scalar = new float[1];

    /**
     * An evaluator for {@code model}; {@code loss} may be null when only {@link #predict} is used.
     */
    public Evaluator(Model model, Loss loss) {
        this.model = model;
        this.loss = loss;
        this.backend = model.backend();
        SlabPlan plan = new SlabPlan();
        SlabPlan.Slot x = plan.add("input", model.maxBatch(), model.inFeatures());
        SlabPlan.Slot y =
                plan.add(
                        "target",
                        model.maxBatch(),
                        loss == null ? 1 : loss.targetWidth(model.outFeatures()));
        SlabPlan.Slot l = plan.add("lossSum", 1);
        SlabPlan.Slot c = plan.add("correct", 1);
        this.storage = plan.allocate(backend::allocate);
        this.input = x.tensor();
        this.target = y.tensor();
        this.lossSum = l.tensor();
        this.correct = c.tensor();
    }

    /**
     * Checks that {@code data}'s samples fit the model.
     *
     * @throws IllegalArgumentException naming the dataset and both sizes
     */
    static void checkFeatures(Model model, Dataset data) {
        if (data.featureCount() != model.inFeatures()) {
            throw new IllegalArgumentException(
                    data.name()
                            + ": samples have "
                            + data.featureCount()
                            + " features but the model expects "
                            + model.inFeatures()
                            + (model.inputShape().rank() > 1 ? " " + model.inputShape() : ""));
        }
    }

    /**
     * Checks samples, target width and class count of {@code data} against the model and loss.
     *
     * @throws IllegalArgumentException naming what was expected and what was found
     */
    static void checkCompatible(Model model, Loss loss, Dataset data) {
        checkFeatures(model, data);
        int width = loss.targetWidth(model.outFeatures());
        if (data.targetWidth() != width) {
            throw new IllegalArgumentException(
                    data.name()
                            + ": targets have width "
                            + data.targetWidth()
                            + " but "
                            + loss
                            + " expects "
                            + width);
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

    private double readScalar(Tensor t) {
        backend.download(t, scalar, 0);
        return scalar[0];
    }

    /**
     * Mean loss and accuracy (NaN for regression) of the model on {@code data}, in evaluation mode.
     *
     * @throws IllegalStateException if the evaluator was made without a loss
     */
    public Evaluation evaluate(Dataset data) {
        boolean entered = model.guard().enter();
        try {
            return evaluateEntered(data);
        } finally {
            model.guard().exit(entered);
        }
    }

    private Evaluation evaluateEntered(Dataset data) {
        EvaluationEvent event = new EvaluationEvent();
        event.begin();
        Evaluation result = evaluatePasses(data);
        event.end();
        if (event.shouldCommit()) {
            event.dataset = data.name();
            event.samples = result.samples();
            event.loss = result.loss();
            event.accuracy = result.accuracy();
            event.commit();
        }
        return result;
    }

    private Evaluation evaluatePasses(Dataset data) {
        if (loss == null) {
            throw new IllegalStateException("This evaluator has no loss; it can only predict");
        }
        checkCompatible(model, loss, data);
        DataLoader loader = new DataLoader(data, model.maxBatch(), false, 0);
        backend.fill(lossSum, 0f);
        backend.fill(correct, 0f);
        boolean classification = data.isClassification();
        for (int b = 0; b < loader.batches(); b++) {
            int rows = loader.load(b, backend, input, target);
            Tensor out = model.forward(input.firstRows(rows), false);
            Tensor y = target.firstRows(rows);
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

    /**
     * The model's raw outputs (logits, or values for regression) for every sample of {@code data},
     * {@code n × outFeatures} row-major, in evaluation mode.
     */
    public float[] predict(Dataset data) {
        boolean entered = model.guard().enter();
        try {
            return predictEntered(data);
        } finally {
            model.guard().exit(entered);
        }
    }

    private float[] predictEntered(Dataset data) {
        checkFeatures(model, data);
        int out = model.outFeatures();
        float[] result = new float[data.size() * out];
        int f = data.featureCount();
        float[] stage = new float[Math.min(model.maxBatch(), data.size()) * f];
        for (int start = 0; start < data.size(); start += model.maxBatch()) {
            int rows = Math.min(model.maxBatch(), data.size() - start);
            Tensor x = input.firstRows(rows);
            for (int r = 0; r < rows; r++) {
                data.copyRow(start + r, stage, r * f);
            }
            backend.upload(stage, 0, x);
            backend.download(model.forward(x, false), result, start * out);
        }
        return result;
    }

    /** Frees the buffers (not the model). */
    @Override
    public void close() {
        storage.close();
    }
}
