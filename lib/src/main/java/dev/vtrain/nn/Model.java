package dev.vtrain.nn;

import dev.vtrain.backend.Activation;
import dev.vtrain.backend.Backend;
import dev.vtrain.tensor.SlabPlan;
import dev.vtrain.tensor.Storage;
import dev.vtrain.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A {@link Sequential} network built for a backend and a maximum batch size. Building plans and
 * allocates everything once: a parameter slab, a gradient slab of the same layout and an activation
 * slab (each layer's output and the gradient with respect to it, {@code maxBatch} rows). Smaller
 * batches use row views of the same buffers; nothing is allocated per step. The model owns its
 * slabs and frees them on {@link #close()}.
 *
 * <p>Not thread-safe: one training or evaluation loop at a time.
 */
public final class Model implements AutoCloseable {
    private final Sequential network;
    private final Backend backend;
    private final int inFeatures;
    private final int outFeatures;
    private final int maxBatch;
    private final List<Parameter> parameters;
    private final Tensor[] outputs;
    private final Tensor[] gradients;
    private final Tensor parameterSlab;
    private final Tensor gradientSlab;
    private final List<Storage> storages = new ArrayList<>();
    private boolean closed;

    private Model(Sequential network, int inFeatures, int maxBatch, Backend backend, long seed) {
        if (inFeatures <= 0) {
            throw new IllegalArgumentException(
                    "Invalid input features: " + inFeatures + " (must be > 0)");
        }
        if (maxBatch <= 0) {
            throw new IllegalArgumentException(
                    "Invalid maximum batch size: " + maxBatch + " (must be > 0)");
        }
        this.network = network;
        this.backend = backend;
        this.inFeatures = inFeatures;
        this.maxBatch = maxBatch;
        List<Layer> layers = network.layers();
        SlabPlan activations = new SlabPlan();
        LayerPlan params = new LayerPlan(activations, maxBatch, seed);
        SlabPlan.Slot[] out = new SlabPlan.Slot[layers.size()];
        SlabPlan.Slot[] grad = new SlabPlan.Slot[layers.size()];
        int features = inFeatures;
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            int next = layer.outFeatures(features);
            params.layer(i);
            layer.declare(params, features);
            out[i] = activations.add(i + ".output", maxBatch, next);
            grad[i] = activations.add(i + ".grad", maxBatch, next);
            features = next;
        }
        this.outFeatures = features;
        this.parameters = List.copyOf(params.parameters());
        try {
            storages.add(params.values().allocate(backend::allocate));
            storages.add(params.grads().allocate(backend::allocate));
            storages.add(activations.allocate(backend::allocate));
        } catch (RuntimeException | OutOfMemoryError e) {
            storages.forEach(Storage::close);
            throw e;
        }
        this.parameterSlab = params.values().whole();
        this.gradientSlab = params.grads().whole();
        this.outputs = new Tensor[layers.size()];
        this.gradients = new Tensor[layers.size()];
        for (int i = 0; i < layers.size(); i++) {
            outputs[i] = out[i].tensor();
            gradients[i] = grad[i].tensor();
        }
        initialise(seed);
    }

    /**
     * Builds {@code network} for inputs of {@code inFeatures} features and batches of up to {@code
     * maxBatch} rows, initialising parameters from {@code seed}.
     *
     * @throws IllegalArgumentException if a layer rejects its input size or a size is not positive
     */
    public static Model build(
            Sequential network, int inFeatures, int maxBatch, Backend backend, long seed) {
        return new Model(network, inFeatures, maxBatch, backend, seed);
    }

    private void initialise(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        for (Parameter p : parameters) {
            float[] values = new float[Math.toIntExact(p.size())];
            p.init().fill(values, rng);
            backend.upload(values, 0, p.value());
        }
    }

    /** The network this model was built from. */
    public Sequential network() {
        return network;
    }

    /** The backend all tensors of this model live in. */
    public Backend backend() {
        return backend;
    }

    /** Input features. */
    public int inFeatures() {
        return inFeatures;
    }

    /** Output features (classes, or regression targets). */
    public int outFeatures() {
        return outFeatures;
    }

    /** Largest batch this model accepts. */
    public int maxBatch() {
        return maxBatch;
    }

    /** Parameters in declaration order. */
    public List<Parameter> parameters() {
        return parameters;
    }

    /** The parameter with this name. */
    public Parameter parameter(String name) {
        for (Parameter p : parameters) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException(
                "No parameter named '" + name + "'; the model has " + parameters);
    }

    /**
     * Freezes the layers named by index ({@code "0"}) or by one of their parameters' names ({@code
     * "0.weight"}); frozen layers get no gradient work and no optimizer updates. Call before
     * creating the optimizer.
     *
     * @throws IllegalArgumentException for a name that matches no layer with parameters
     */
    public void freeze(java.util.Collection<String> selectors) {
        for (String sel : selectors) {
            String idx = sel.contains(".") ? sel.substring(0, sel.indexOf('.')) : sel;
            int i;
            try {
                i = Integer.parseInt(idx.trim());
            } catch (NumberFormatException e) {
                i = -1;
            }
            if (i < 0
                    || i >= network.layers().size()
                    || !(network.layers().get(i) instanceof Linear lin)) {
                throw new IllegalArgumentException(
                        "Cannot freeze '"
                                + sel
                                + "': expected the index of a layer with"
                                + " parameters or a parameter name; the model's parameters are "
                                + parameters);
            }
            lin.frozen(true);
        }
    }

    /** Whether the parameter belongs to a frozen layer. */
    public boolean isFrozen(Parameter p) {
        int i = Integer.parseInt(p.name().substring(0, p.name().indexOf('.')));
        return network.layers().get(i) instanceof Linear lin && lin.frozen();
    }

    /** Parameters of layers that are not frozen, in declaration order. */
    public List<Parameter> trainableParameters() {
        List<Parameter> out = new ArrayList<>();
        for (Parameter p : parameters) {
            if (!isFrozen(p)) {
                out.add(p);
            }
        }
        return out;
    }

    private int firstTrainableLayer() {
        List<Layer> layers = network.layers();
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i) instanceof Linear lin && !lin.frozen()) {
                return i;
            }
        }
        return layers.size();
    }

    /** Number of trainable scalars. */
    public long parameterCount() {
        long n = 0;
        for (Parameter p : parameters) {
            n += p.size();
        }
        return n;
    }

    /** All parameters as one rank-1 tensor (padding between parameters is zero). */
    public Tensor parameterSlab() {
        return parameterSlab;
    }

    /** All gradients, same layout as {@link #parameterSlab()}. */
    public Tensor gradientSlab() {
        return gradientSlab;
    }

    private void checkInput(Tensor input) {
        checkOpen();
        if (input.cols() != inFeatures || input.rows() > maxBatch || input.rows() == 0) {
            throw new IllegalArgumentException(
                    "Model: expected input (1.."
                            + maxBatch
                            + ", "
                            + inFeatures
                            + ") but got "
                            + Tensor.format(input.rows(), input.cols()));
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("Model is closed");
        }
    }

    /**
     * Runs the network on {@code input} (batch × inFeatures); returns a view of the output (batch ×
     * outFeatures), valid until the next forward call. {@code training} selects training behaviour
     * for layers that have one (dropout).
     */
    public Tensor forward(Tensor input, boolean training) {
        checkInput(input);
        int rows = input.rows();
        List<Layer> layers = network.layers();
        Tensor x = input;
        for (int i = 0; i < layers.size(); i++) {
            if (fusedWithNext(i)) {
                // Linear then activation in one call; the pre-activation is never stored.
                Tensor y = outputs[i + 1].firstRows(rows);
                Activation f = ((ActivationLayer) layers.get(i + 1)).function();
                ((Linear) layers.get(i)).forward(backend, x, y, f);
                x = y;
                i++;
                continue;
            }
            Tensor y = outputs[i].firstRows(rows);
            layers.get(i).forward(backend, x, y, training);
            x = y;
        }
        return x;
    }

    /** Whether layer i is a Linear whose forward pass also applies the activation layer i + 1. */
    private boolean fusedWithNext(int i) {
        List<Layer> layers = network.layers();
        return i + 1 < layers.size()
                && layers.get(i) instanceof Linear
                && layers.get(i + 1) instanceof ActivationLayer;
    }

    /**
     * The buffer for the gradient of the loss with respect to the output, for {@code rows} rows; a
     * loss overwrites it, then {@link #backward} reads it.
     */
    public Tensor outputGradient(int rows) {
        return gradients[gradients.length - 1].firstRows(rows);
    }

    /**
     * Back-propagates the gradient in {@link #outputGradient(int)} through the network for the same
     * {@code input} as the last {@link #forward}; accumulates into the gradient slab.
     */
    public void backward(Tensor input) {
        backward(input, true);
    }

    /**
     * Back-propagates the gradient in {@link #outputGradient(int)} through the network for the same
     * {@code input} as the last {@link #forward}. With {@code accumulate} the parameter gradients
     * are added to; without, they are overwritten (no {@link #zeroGrad} needed first; frozen
     * layers' gradients read as zero). An activation's backward pass computes the bias gradient of
     * the Linear below it in the same pass.
     */
    public void backward(Tensor input, boolean accumulate) {
        checkInput(input);
        int rows = input.rows();
        List<Layer> layers = network.layers();
        int first = firstTrainableLayer();
        float beta = accumulate ? 1f : 0f;
        for (int i = layers.size() - 1; i >= first && i >= 0; i--) {
            Tensor in = i == 0 ? input : outputs[i - 1].firstRows(rows);
            // Below the first trainable layer no gradient is needed, so none is propagated.
            Tensor gradIn = i <= first ? null : gradients[i - 1].firstRows(rows);
            Layer layer = layers.get(i);
            if (layer instanceof Linear lin) {
                boolean biasDone = i + 1 < layers.size() && biasGradientFused(i + 1, first);
                lin.backward(
                        backend, in, gradients[i].firstRows(rows), gradIn, accumulate, biasDone);
            } else if (biasGradientFused(i, first)) {
                Linear below = (Linear) layers.get(i - 1);
                backend.activationBackwardWithBiasGrad(
                        ((ActivationLayer) layer).function(),
                        outputs[i].firstRows(rows),
                        gradients[i].firstRows(rows),
                        gradIn,
                        below.biasGradient(),
                        beta);
            } else {
                layer.backward(
                        backend,
                        in,
                        outputs[i].firstRows(rows),
                        gradients[i].firstRows(rows),
                        gradIn);
            }
        }
        if (!accumulate) {
            for (int i = 0; i < first && i < layers.size(); i++) {
                if (layers.get(i) instanceof Linear lin) {
                    lin.clearStaleGradients(backend);
                }
            }
        }
    }

    /**
     * Whether activation layer i computes the bias gradient of the trainable, biased Linear i - 1
     * during its backward pass.
     */
    private boolean biasGradientFused(int i, int first) {
        List<Layer> layers = network.layers();
        return i - 1 >= first
                && layers.get(i) instanceof ActivationLayer
                && layers.get(i - 1) instanceof Linear lin
                && !lin.frozen()
                && lin.hasBias();
    }

    /** Overwrites every gradient with zero (one fill over the gradient slab). */
    public void zeroGrad() {
        checkOpen();
        backend.fill(gradientSlab, 0f);
    }

    /** The random state of every layer that has one (dropout draw counters), in layer order. */
    public long[] randomState() {
        List<Long> draws = new ArrayList<>();
        for (Layer l : network.layers()) {
            if (l instanceof Dropout d) {
                draws.add(d.draws());
            }
        }
        return draws.stream().mapToLong(Long::longValue).toArray();
    }

    /**
     * Restores {@link #randomState()}.
     *
     * @throws IllegalArgumentException if the count does not match the model's random layers
     */
    public void restoreRandomState(long[] state) {
        int i = 0;
        for (Layer l : network.layers()) {
            if (l instanceof Dropout) {
                i++;
            }
        }
        if (i != state.length) {
            throw new IllegalArgumentException(
                    "The model has " + i + " dropout layers but the state has " + state.length);
        }
        i = 0;
        for (Layer l : network.layers()) {
            if (l instanceof Dropout d) {
                d.draws(state[i++]);
            }
        }
    }

    /** Copies a parameter's values to the host (row-major, PyTorch layout). */
    public float[] read(String name) {
        Parameter p = parameter(name);
        float[] out = new float[Math.toIntExact(p.size())];
        backend.download(p.value(), out, 0);
        return out;
    }

    /**
     * Overwrites a parameter's values.
     *
     * @throws IllegalArgumentException if the name is unknown or the length is wrong
     */
    public void write(String name, float[] values) {
        Parameter p = parameter(name);
        if (values.length != p.size()) {
            throw new IllegalArgumentException(
                    "Parameter " + p + " has " + p.size() + " elements, got " + values.length);
        }
        backend.upload(values, 0, p.value());
    }

    @Override
    public String toString() {
        return network.toString();
    }

    /** Frees the model's slabs. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            storages.forEach(Storage::close);
        }
    }
}
