package dev.vtrain.nn;

import dev.vtrain.backend.Backend;
import dev.vtrain.tensor.Shape;
import dev.vtrain.tensor.SlabPlan;
import dev.vtrain.tensor.Storage;
import dev.vtrain.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A network (its root {@link Layer}) built for a backend, an input sample shape and a maximum batch
 * size. Building plans and allocates everything once: a parameter slab, a gradient slab of the same
 * layout, a buffer slab (batch-norm statistics), an activation slab (what layers keep from forward
 * to backward) and one overlaid scratch slab. Smaller batches use prefix views of the same memory;
 * nothing is allocated per step. The model knows no concrete layer type: containers and layers do
 * their own work through the {@link Plan} and {@link Step}. It owns its slabs and frees them on
 * {@link #close()}.
 *
 * <p>Single-threaded: one training or evaluation loop at a time. A call from a second thread while
 * one is inside {@link #forward}, {@link #backward}, {@link #read}, {@link #write} or a {@code
 * Trainer.fit} over this model fails with an {@link IllegalStateException} (see {@link #guard()})
 * rather than racing on the slabs; using a model after {@link #close()} fails the same way.
 */
public final class Model implements AutoCloseable {
    private final Layer root;
    private final Backend backend;
    private final Shape inputShape;
    private final Shape outputShape;
    private final int maxBatch;
    private final List<Parameter> parameters;
    private final Parameter[] parameterArray;
    private final List<Buffer> buffers;
    private final List<RandomCounter> counters;
    private final Map<String, Parameter> byName = new HashMap<>();
    private final Map<String, Buffer> buffersByName = new HashMap<>();
    private final SlabPlan.Slot output;
    private final SlabPlan.Slot outputGrad;
    private final Tensor parameterSlab;
    private final Tensor gradientSlab;
    private final Tensor bufferSlab;
    private final Step step;
    // Channels-first input images are transposed into channels-last here (C > 1 only).
    private final dev.vtrain.backend.ConvOps layoutOps;
    private final SlabPlan.Slot inputChannelsLast;
    private final SlabPlan.Slot inputGradChannelsLast;
    private final List<Storage> storages = new ArrayList<>();
    private final UseGuard guard =
            new UseGuard(
                    "Model",
                    "To serve predictions while training, publish weights with"
                            + " dev.vtrain.serve.WeightSnapshots and give each serving thread its"
                            + " own Predictor.");
    private volatile boolean closed;

    private Model(Layer root, Shape input, int maxBatch, Backend backend, long seed) {
        if (maxBatch <= 0) {
            throw new IllegalArgumentException(
                    "Invalid maximum batch size: " + maxBatch + " (must be > 0)");
        }
        this.root = root;
        this.backend = backend;
        this.inputShape = input;
        this.maxBatch = maxBatch;
        this.outputShape = root.outputShape(input);
        Plan.Context ctx = new Plan.Context(backend, maxBatch, seed);
        Plan plan = new Plan(ctx, "");
        plan.enter(root);
        root.declare(plan, input);
        if (input.rank() == 3 && input.dim(0) > 1 && input.dim(1) * input.dim(2) > 1) {
            this.layoutOps = plan.conv();
            this.inputChannelsLast = plan.activation("input.channels_last", input);
            this.inputGradChannelsLast = plan.activation("input.grad.channels_last", input);
        } else {
            this.layoutOps = null;
            this.inputChannelsLast = null;
            this.inputGradChannelsLast = null;
        }
        this.output = plan.activation("output", outputShape);
        this.outputGrad = plan.activation("output.grad", outputShape);
        this.parameters = List.copyOf(ctx.parameters);
        this.parameterArray = parameters.toArray(Parameter[]::new);
        this.buffers = List.copyOf(ctx.bufferList);
        this.counters = List.copyOf(ctx.counters);
        // The last use declared is the first one backward reaches: it overwrites the gradient.
        Map<Parameter, ParameterUse> last = new HashMap<>();
        for (ParameterUse u : ctx.uses) {
            last.put(u.parameter(), u);
        }
        for (ParameterUse u : ctx.uses) {
            u.firstInBackwardOrder(last.get(u.parameter()) == u);
        }
        for (Parameter p : parameters) {
            byName.put(p.name(), p);
        }
        for (Buffer b : buffers) {
            buffersByName.put(b.name(), b);
        }
        try {
            storages.add(ctx.values.allocate(backend::allocate));
            storages.add(ctx.grads.allocate(backend::allocate));
            storages.add(ctx.buffers.allocate(backend::allocate));
            storages.add(ctx.activations.allocate(backend::allocate));
            storages.add(ctx.scratch.allocate(backend::allocate));
        } catch (RuntimeException | OutOfMemoryError e) {
            storages.forEach(Storage::close);
            throw e;
        }
        this.parameterSlab = ctx.values.whole();
        this.gradientSlab = ctx.grads.whole();
        this.bufferSlab = ctx.buffers.whole();
        this.step = new Step(backend);
        initialise(seed);
    }

    /**
     * Builds {@code root} for samples of shape {@code input} and batches of up to {@code maxBatch},
     * initialising parameters from {@code seed}.
     *
     * @throws IllegalArgumentException if a layer rejects its input shape (the message names the
     *     layer and both shapes) or the batch size is not positive
     */
    public static Model build(Layer root, Shape input, int maxBatch, Backend backend, long seed) {
        return new Model(root, input, maxBatch, backend, seed);
    }

    /** {@link #build(Layer, Shape, int, Backend, long)} for vectors of {@code inFeatures}. */
    public static Model build(
            Sequential network, int inFeatures, int maxBatch, Backend backend, long seed) {
        if (inFeatures <= 0) {
            throw new IllegalArgumentException(
                    "Invalid input features: " + inFeatures + " (must be > 0)");
        }
        return new Model(network, Shape.of(inFeatures), maxBatch, backend, seed);
    }

    private void initialise(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        for (Parameter p : parameters) {
            float[] values = new float[Math.toIntExact(p.size())];
            p.init().fill(values, rng);
            write(p.name(), values);
        }
        for (Buffer b : buffers) {
            if (b.initial() != 0f) {
                backend.fill(b.value(), b.initial());
            }
        }
    }

    /** The root layer this model was built from. */
    public Layer network() {
        return root;
    }

    /** The backend all tensors of this model live in. */
    public Backend backend() {
        return backend;
    }

    /** The shape of one input sample, e.g. {@code (1, 28, 28)}. */
    public Shape inputShape() {
        return inputShape;
    }

    /** The shape of one output sample, e.g. {@code (10,)}. */
    public Shape outputShape() {
        return outputShape;
    }

    /** Elements per input sample. */
    public int inFeatures() {
        return inputShape.size();
    }

    /** Elements per output sample (classes, or regression targets). */
    public int outFeatures() {
        return outputShape.size();
    }

    /** Largest batch this model accepts. */
    public int maxBatch() {
        return maxBatch;
    }

    /** Parameters in declaration order. */
    public List<Parameter> parameters() {
        return parameters;
    }

    /** Buffers (non-trainable saved state) in declaration order. */
    public List<Buffer> buffers() {
        return buffers;
    }

    /** The parameter with this name. */
    public Parameter parameter(String name) {
        Parameter p = byName.get(name);
        if (p == null) {
            throw new IllegalArgumentException(
                    "No parameter named '" + name + "'; the model has " + parameters);
        }
        return p;
    }

    /**
     * Freezes parameters by name ({@code 0.weight}) or by layer path ({@code 0}, {@code 3.1}: every
     * parameter under it); frozen parameters get no gradient work and no optimizer updates. Call
     * before creating the optimizer.
     *
     * @throws IllegalArgumentException for a selector that matches no parameter
     */
    public void freeze(Collection<String> selectors) {
        for (String raw : selectors) {
            String sel = raw.trim();
            boolean any = false;
            for (Parameter p : parameters) {
                if (p.name().equals(sel) || p.name().startsWith(sel + ".")) {
                    p.frozen(true);
                    any = true;
                }
            }
            if (!any) {
                throw new IllegalArgumentException(
                        "Cannot freeze '"
                                + raw
                                + "': expected the index of a layer with"
                                + " parameters or a parameter name; the model's parameters are "
                                + parameters);
            }
        }
    }

    /** Parameters that are not frozen, in declaration order. */
    public List<Parameter> trainableParameters() {
        List<Parameter> out = new ArrayList<>();
        for (Parameter p : parameters) {
            if (!p.frozen()) {
                out.add(p);
            }
        }
        return out;
    }

    /** Number of scalars in all parameters, frozen ones included. */
    public long parameterCount() {
        long n = 0;
        for (Parameter p : parameters) {
            n += p.size();
        }
        return n;
    }

    /** Number of scalars in trainable (not frozen) parameters. */
    public long trainableParameterCount() {
        long n = 0;
        for (Parameter p : parameters) {
            n += p.frozen() ? 0 : p.size();
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

    /** All buffers as one rank-1 tensor. */
    public Tensor bufferSlab() {
        return bufferSlab;
    }

    private Tensor checkInput(Tensor input) {
        checkOpen();
        if (input.size() != (long) input.rows() * inputShape.size()
                || input.rows() > maxBatch
                || input.rows() == 0) {
            throw new IllegalArgumentException(
                    "Model: expected input (1.."
                            + maxBatch
                            + ", "
                            + inputShape.size()
                            + ") or (1.."
                            + maxBatch
                            + ") × "
                            + inputShape
                            + " but got "
                            + input);
        }
        if (input.cols() != inputShape.size()) {
            throw new IllegalArgumentException(
                    "Model: expected "
                            + inputShape.size()
                            + " features per sample but got "
                            + input);
        }
        return input.asBatch(inputShape);
    }

    /** The input as the layers read it: images with C > 1 transposed to channels-last. */
    private Tensor channelsLast(Tensor x) {
        if (layoutOps == null) {
            return x;
        }
        Tensor hwc = step.get(inputChannelsLast);
        layoutOps.transposeSamples(
                hwc, x, inputShape.dim(0), inputShape.dim(1) * inputShape.dim(2), false);
        return hwc;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("Model is closed");
        }
    }

    /**
     * Runs the network on {@code input} ({@code batch × inFeatures}, or {@code batch} samples of
     * {@link #inputShape()}); returns a view of the output ({@code batch} samples of {@link
     * #outputShape()}), valid until the next forward call. {@code training} selects training
     * behaviour (dropout, batch statistics and running-statistics updates) or evaluation behaviour.
     */
    public Tensor forward(Tensor input, boolean training) {
        boolean entered = guard.enter();
        try {
            Tensor x = checkInput(input);
            step.set(x.rows(), training, false);
            x = channelsLast(x);
            Tensor y = step.get(output);
            root.forward(step, x, y);
            return y;
        } finally {
            guard.exit(entered);
        }
    }

    /**
     * The guard that detects this model used from two threads at once. A loop that uses the model
     * across many calls (a trainer's {@code fit}) enters it for its whole length, so another thread
     * is refused between the loop's steps too.
     */
    public UseGuard guard() {
        return guard;
    }

    /**
     * The buffer for the gradient of the loss with respect to the output, for {@code rows} rows; a
     * loss overwrites it, then {@link #backward} reads it.
     */
    public Tensor outputGradient(int rows) {
        return outputGrad.tensor().firstRows(rows);
    }

    /**
     * Back-propagates the gradient in {@link #outputGradient(int)} for the same {@code input} as
     * the last training {@link #forward}; accumulates into the gradient slab.
     */
    public void backward(Tensor input) {
        backward(input, true);
    }

    /**
     * Back-propagates the gradient in {@link #outputGradient(int)} for the same {@code input} as
     * the last {@link #forward}. With {@code accumulate} the parameter gradients are added to;
     * without, they are overwritten (no {@link #zeroGrad} needed first; frozen parameters'
     * gradients read as zero).
     */
    public void backward(Tensor input, boolean accumulate) {
        backward(input, accumulate, null);
    }

    /**
     * As {@link #backward(Tensor, boolean)}, and when {@code gradInput} is not null also overwrites
     * it with the gradient with respect to the input (same shape as {@code input}): for gradient
     * checks, saliency maps or a model feeding another.
     */
    public void backward(Tensor input, boolean accumulate, Tensor gradInput) {
        boolean entered = guard.enter();
        try {
            backwardEntered(input, accumulate, gradInput);
        } finally {
            guard.exit(entered);
        }
    }

    private void backwardEntered(Tensor input, boolean accumulate, Tensor gradInput) {
        Tensor x = checkInput(input);
        Tensor dx = gradInput == null ? null : gradInput.asBatch(inputShape);
        if (dx != null && dx.rows() != x.rows()) {
            throw new IllegalArgumentException(
                    "Model: the input gradient "
                            + gradInput
                            + " does not match the input "
                            + input);
        }
        for (Parameter p : parameterArray) {
            if (p.takeStaleGradient()) {
                backend.fill(p.grad(), 0f);
            }
        }
        boolean training = step.training();
        step.set(x.rows(), training, accumulate);
        Tensor rootDx = dx;
        if (layoutOps != null) {
            x = step.get(inputChannelsLast);
            rootDx = dx == null ? null : step.get(inputGradChannelsLast);
        }
        root.backward(step, x, step.get(output), outputGrad.tensor().firstRows(x.rows()), rootDx);
        if (layoutOps != null && dx != null) {
            layoutOps.transposeSamples(
                    dx, rootDx, inputShape.dim(0), inputShape.dim(1) * inputShape.dim(2), true);
        }
    }

    /** Overwrites every gradient with zero (one fill over the gradient slab). */
    public void zeroGrad() {
        checkOpen();
        backend.fill(gradientSlab, 0f);
    }

    /** The random state of every layer that has one (dropout draw counters), in layer order. */
    public long[] randomState() {
        long[] s = new long[counters.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = counters.get(i).value();
        }
        return s;
    }

    /**
     * Restores {@link #randomState()}.
     *
     * @throws IllegalArgumentException if the count does not match the model's random layers
     */
    public void restoreRandomState(long[] state) {
        if (state.length != counters.size()) {
            throw new IllegalArgumentException(
                    "The model has "
                            + counters.size()
                            + " dropout layers but the state has "
                            + state.length);
        }
        for (int i = 0; i < state.length; i++) {
            counters.get(i).value(state[i]);
        }
    }

    /**
     * Copies a parameter's or buffer's values to the host in PyTorch's layout (row-major in its
     * {@code shape()}).
     *
     * @throws IllegalArgumentException if the name is unknown
     */
    public float[] read(String name) {
        boolean entered = guard.enter();
        try {
            checkOpen();
            return readEntered(name);
        } finally {
            guard.exit(entered);
        }
    }

    private float[] readEntered(String name) {
        Buffer b = buffersByName.get(name);
        if (b != null) {
            float[] out = new float[Math.toIntExact(b.size())];
            backend.download(b.value(), out, 0);
            return out;
        }
        Parameter p = parameter(name);
        float[] slab = new float[Math.toIntExact(p.size())];
        backend.download(p.value(), slab, 0);
        if (p.layout().equals(StorageLayout.IDENTITY)) {
            return slab;
        }
        float[] out = new float[slab.length];
        p.layout().toFile(slab, out);
        return out;
    }

    /**
     * Overwrites a parameter's or buffer's values, given in PyTorch's layout.
     *
     * @throws IllegalArgumentException if the name is unknown or the length is wrong
     */
    public void write(String name, float[] values) {
        boolean entered = guard.enter();
        try {
            checkOpen();
            writeEntered(name, values);
        } finally {
            guard.exit(entered);
        }
    }

    private void writeEntered(String name, float[] values) {
        Buffer b = buffersByName.get(name);
        if (b != null) {
            if (values.length != b.size()) {
                throw new IllegalArgumentException(
                        "Buffer " + b + " has " + b.size() + " elements, got " + values.length);
            }
            backend.upload(values, 0, b.value());
            return;
        }
        Parameter p = parameter(name);
        if (values.length != p.size()) {
            throw new IllegalArgumentException(
                    "Parameter " + p + " has " + p.size() + " elements, got " + values.length);
        }
        float[] slab = values;
        if (!p.layout().equals(StorageLayout.IDENTITY)) {
            slab = new float[values.length];
            p.layout().toStorage(values, slab);
        }
        backend.upload(slab, 0, p.value());
    }

    /** Copies a parameter's gradient to the host in PyTorch's layout (as {@link #read}). */
    public float[] readGradient(String name) {
        Parameter p = parameter(name);
        float[] slab = new float[Math.toIntExact(p.size())];
        backend.download(p.grad(), slab, 0);
        if (p.layout().equals(StorageLayout.IDENTITY)) {
            return slab;
        }
        float[] out = new float[slab.length];
        p.layout().toFile(slab, out);
        return out;
    }

    @Override
    public String toString() {
        return root.toString();
    }

    /**
     * Frees the model's slabs. Idempotent.
     *
     * @throws IllegalStateException if another thread is using the model
     */
    @Override
    public void close() {
        boolean entered = guard.enter();
        try {
            closeEntered();
        } finally {
            guard.exit(entered);
        }
    }

    private void closeEntered() {
        if (!closed) {
            closed = true;
            storages.forEach(Storage::close);
        }
    }
}
