package dev.vtrain.serve;

import dev.vtrain.backend.Backend;
import dev.vtrain.backend.Backends;
import dev.vtrain.data.FeatureScaling;
import dev.vtrain.data.TargetScaling;
import dev.vtrain.io.Json;
import dev.vtrain.io.ModelFile;
import dev.vtrain.io.TargetScalingMetadata;
import dev.vtrain.nn.Model;
import dev.vtrain.nn.spec.Layers;
import dev.vtrain.tensor.SlabPlan;
import dev.vtrain.tensor.Storage;
import dev.vtrain.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;

/**
 * Answers predictions for one sample or a batch, into arrays the caller owns: no optimizer, no
 * dataset, and after warm-up no allocation per call. It owns a copy of the network on a backend of
 * its own that runs on the calling thread, so predictors never contend with each other or with
 * training. Inputs are raw features: a predictor loaded from a model file applies the file's
 * feature scaling (and maps regression outputs back to the targets' units); one made from {@link
 * WeightSnapshots} takes features as the training model saw them.
 *
 * <p>Threads: a predictor belongs to the first thread that calls {@link #predict}; a call from any
 * other thread fails with an {@link IllegalStateException} (give each serving thread its own
 * predictor). One made from snapshots picks up the newest published snapshot at the start of each
 * call (one volatile read when nothing new was published, one copy of the weights when something
 * was), so every answer comes from one whole snapshot; {@link #version()} says which.
 */
public final class Predictor implements AutoCloseable {
    /** What a predictor writes per sample. */
    public enum Output {
        /** Softmax of the logits, one probability per class (classifiers). */
        PROBABILITIES,
        /** The network's raw outputs (logits of a classifier). */
        LOGITS,
        /** Regression outputs, mapped back to the targets' units when the scaling is known. */
        VALUES
    }

    private final Backend backend;
    private final Model model;
    private final Storage storage;
    private final Tensor input;
    private final float[] stage;
    private final int inFeatures;
    private final int outputs;
    private final int maxBatch;
    private final Output output;
    private final List<String> classNames;
    private final float[] shift;
    private final float[] inverseScale;
    private final TargetScaling targets;
    private final WeightSnapshots source;
    private long version;
    private final java.util.concurrent.atomic.AtomicReference<Thread> owner =
            new java.util.concurrent.atomic.AtomicReference<>();
    private volatile boolean closed;

    private Predictor(
            Backend backend,
            Model model,
            Output output,
            List<String> classNames,
            FeatureScaling scaling,
            TargetScaling targets,
            WeightSnapshots source) {
        this.backend = backend;
        this.model = model;
        this.maxBatch = model.maxBatch();
        this.inFeatures = model.inFeatures();
        this.outputs = model.outFeatures();
        this.output = output;
        this.classNames = List.copyOf(classNames);
        if (output == Output.PROBABILITIES && outputs < 2) {
            throw new IllegalArgumentException(
                    "Probabilities need a classifier with at least 2 outputs; this model has "
                            + outputs
                            + " (use Output.VALUES or Output.LOGITS)");
        }
        if (scaling == null || scaling.kind() == FeatureScaling.Kind.NONE) {
            this.shift = null;
            this.inverseScale = null;
        } else {
            double[] sh = scaling.shift();
            double[] sc = scaling.scale();
            this.shift = new float[sh.length];
            this.inverseScale = new float[sc.length];
            for (int i = 0; i < sh.length; i++) {
                shift[i] = (float) sh[i];
                inverseScale[i] = (float) (1.0 / sc[i]);
            }
        }
        this.targets = output == Output.VALUES ? targets : null;
        this.source = source;
        SlabPlan plan = new SlabPlan();
        SlabPlan.Slot x = plan.add("input", maxBatch, inFeatures);
        this.storage = plan.allocate(backend::allocate);
        this.input = x.tensor();
        this.stage = new float[maxBatch * inFeatures];
    }

    /**
     * A predictor for a model file written by vtrain (or by PyTorch with vtrain's metadata): its
     * layer tree, weights, feature scaling, class names and regression target scaling. The backend
     * is the best this JVM runs ({@code auto}, one thread).
     *
     * @param output {@code null} for the natural choice: probabilities for a classifier, values
     *     otherwise
     * @throws dev.vtrain.io.SafetensorsException if the file is not a valid vtrain model file
     */
    public static Predictor load(Path modelFile, int maxBatch, Output output) {
        ModelFile.Saved saved = ModelFile.load(modelFile);
        Output chosen =
                output != null
                        ? output
                        : saved.classNames().isEmpty() ? Output.VALUES : Output.PROBABILITIES;
        Backend backend = Backends.create("auto", 1).backend();
        Model model = null;
        try {
            model = saved.build(backend, checkBatch(maxBatch));
            TargetScaling targets =
                    saved.classNames().isEmpty()
                            ? TargetScalingMetadata.read(
                                    saved.metadata(), model.outFeatures(), modelFile.toString())
                            : null;
            return new Predictor(
                    backend, model, chosen, saved.classNames(), saved.scaling(), targets, null);
        } catch (RuntimeException e) {
            if (model != null) {
                model.close();
            }
            backend.close();
            throw e;
        }
    }

    static Predictor forSnapshots(WeightSnapshots snapshots, int maxBatch, Output output) {
        WeightSnapshots.Architecture a = snapshots.architecture();
        Backend backend = Backends.create(a.backendName(), 1).backend();
        Model model = null;
        try {
            model =
                    Model.build(
                            Layers.fromJson(Json.parse(a.specJson()), a.inputShape()),
                            a.inputShape(),
                            checkBatch(maxBatch),
                            backend,
                            0);
            if (model.parameterSlab().size() != snapshots.parameterCount()
                    || model.bufferSlab().size() != snapshots.bufferCount()) {
                throw new IllegalStateException(
                        "The predictor's copy of the network has a different slab layout ("
                                + model.parameterSlab().size()
                                + " parameters, "
                                + model.bufferSlab().size()
                                + " buffer values) from the trained one ("
                                + snapshots.parameterCount()
                                + ", "
                                + snapshots.bufferCount()
                                + ")");
            }
            Predictor p =
                    new Predictor(backend, model, output, a.classNames(), null, null, snapshots);
            p.version = snapshots.readInto(0, backend, model.parameterSlab(), model.bufferSlab());
            return p;
        } catch (RuntimeException e) {
            if (model != null) {
                model.close();
            }
            backend.close();
            throw e;
        }
    }

    private static int checkBatch(int maxBatch) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException(
                    "Invalid maximum batch: " + maxBatch + " (must be ≥ 1)");
        }
        return maxBatch;
    }

    /** Features per sample. */
    public int inFeatures() {
        return inFeatures;
    }

    /** Values written per sample: classes for a classifier, targets for regression. */
    public int outputs() {
        return outputs;
    }

    /** The most samples one call may pass. */
    public int maxBatch() {
        return maxBatch;
    }

    /** What {@link #predict} writes. */
    public Output output() {
        return output;
    }

    /** Class names, index = output (empty when unknown or for regression). */
    public List<String> classNames() {
        return classNames;
    }

    /**
     * The snapshot version the last answer came from (1 = the weights when the snapshots were made;
     * 0 for a predictor loaded from a file).
     */
    public long version() {
        return version;
    }

    /**
     * Predicts one sample: reads {@link #inFeatures()} values of {@code sample} and overwrites the
     * first {@link #outputs()} values of {@code out}.
     *
     * @throws IllegalArgumentException if an array is too short
     * @throws IllegalStateException if called from a thread other than the predictor's, or closed
     */
    public void predict(float[] sample, float[] out) {
        predict(sample, 0, 1, out, 0);
    }

    /**
     * Predicts {@code rows} samples read row-major from {@code samples} at {@code offset},
     * overwriting {@code rows × outputs()} values of {@code out} at {@code outOffset}.
     *
     * @throws IllegalArgumentException if {@code rows} is not in [1, maxBatch] or an array is too
     *     short
     * @throws IllegalStateException if called from a thread other than the predictor's, or closed
     */
    public void predict(float[] samples, int offset, int rows, float[] out, int outOffset) {
        checkThread();
        if (rows < 1 || rows > maxBatch) {
            throw new IllegalArgumentException(
                    "Invalid row count: " + rows + " (must be in [1, " + maxBatch + "])");
        }
        int in = rows * inFeatures;
        int n = rows * outputs;
        if (offset < 0 || samples.length - offset < in) {
            throw new IllegalArgumentException(
                    "Expected "
                            + in
                            + " input values ("
                            + rows
                            + " × "
                            + inFeatures
                            + ") at offset "
                            + offset
                            + " but the array has "
                            + samples.length);
        }
        if (outOffset < 0 || out.length - outOffset < n) {
            throw new IllegalArgumentException(
                    "Expected room for "
                            + n
                            + " outputs ("
                            + rows
                            + " × "
                            + outputs
                            + ") at offset "
                            + outOffset
                            + " but the array has "
                            + out.length);
        }
        if (source != null) {
            version = source.readInto(version, backend, model.parameterSlab(), model.bufferSlab());
        }
        Tensor x = input.firstRows(rows);
        if (shift == null) {
            backend.upload(samples, offset, x);
        } else {
            for (int i = 0; i < in; i++) {
                int j = i % inFeatures;
                stage[i] = (samples[offset + i] - shift[j]) * inverseScale[j];
            }
            backend.upload(stage, 0, x);
        }
        backend.download(model.forward(x, false), out, outOffset);
        if (output == Output.PROBABILITIES) {
            for (int r = 0; r < rows; r++) {
                softmax(out, outOffset + r * outputs, outputs);
            }
        } else if (targets != null) {
            targets.invert(out, outOffset, n);
        }
    }

    /**
     * The most likely class of one sample (the index of the largest output).
     *
     * @throws IllegalStateException if called from a thread other than the predictor's, or closed
     */
    public int classify(float[] sample, float[] scratch) {
        predict(sample, scratch);
        int best = 0;
        for (int i = 1; i < outputs; i++) {
            if (scratch[i] > scratch[best]) {
                best = i;
            }
        }
        return best;
    }

    /** The predictor's copy of the network (for tests in this package). */
    Model model() {
        return model;
    }

    private static void softmax(float[] v, int from, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, v[from + i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(v[from + i] - max);
            v[from + i] = e;
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        for (int i = 0; i < n; i++) {
            v[from + i] *= inv;
        }
    }

    private void checkThread() {
        Thread me = Thread.currentThread();
        Thread o = owner.get();
        if (o != me && !(o == null && owner.compareAndSet(null, me))) {
            Thread other = owner.get();
            throw new IllegalStateException(
                    "This Predictor belongs to thread '"
                            + other.getName()
                            + "'; thread '"
                            + me.getName()
                            + "' may not use it (predictors are single-threaded: give each"
                            + " serving thread its own, e.g. WeightSnapshots.predictor)");
        }
        if (closed) {
            throw new IllegalStateException("Predictor is closed");
        }
    }

    /**
     * Frees the predictor's network, buffers and backend. Idempotent. Call it on the thread that
     * uses it, or on any thread once that one has stopped using it for good.
     *
     * @throws IllegalStateException if another thread is inside {@link #predict} now
     */
    @Override
    public void close() {
        Thread user = model.guard().user();
        if (user != null && user != Thread.currentThread()) {
            throw new IllegalStateException(
                    "Predictor is in use by thread '"
                            + user.getName()
                            + "'; close it when that thread is done");
        }
        if (!closed) {
            closed = true;
            model.close(); // first: it refuses if a thread entered it meanwhile
            storage.close();
            backend.close();
        }
    }
}
