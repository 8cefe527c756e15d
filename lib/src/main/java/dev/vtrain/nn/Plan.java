package dev.vtrain.nn;

import dev.vtrain.backend.Backend;
import dev.vtrain.backend.ConvOps;
import dev.vtrain.backend.DropoutHash;
import dev.vtrain.backend.NormOps;
import dev.vtrain.backend.SequenceOps;
import dev.vtrain.tensor.Shape;
import dev.vtrain.tensor.SlabPlan;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;

/**
 * What a layer may ask for while a model is built: parameters (values in one slab, gradients in a
 * second slab of the same layout, so an optimizer updates both in one pass), buffers (saved, not
 * trained), activations kept from forward to backward, scratch that lives only within one call (all
 * layers' scratch shares one overlaid slab), random counters and a seed of its own. Names follow
 * PyTorch's {@code state_dict}: a child plan adds {@code "<name>."} to the prefix. Build-time only;
 * single-threaded.
 */
public final class Plan {
    static final class Context {
        final Backend backend;
        final int maxBatch;
        final long seed;
        final SlabPlan values = new SlabPlan();
        final SlabPlan grads = new SlabPlan();
        final SlabPlan buffers = new SlabPlan();
        final SlabPlan activations = new SlabPlan();
        final SlabPlan scratch = SlabPlan.overlaid();
        final List<Parameter> parameters = new ArrayList<>();
        final List<ParameterUse> uses = new ArrayList<>();
        final List<Buffer> bufferList = new ArrayList<>();
        final List<RandomCounter> counters = new ArrayList<>();
        final IdentityHashMap<Layer, String> seen = new IdentityHashMap<>();

        Context(Backend backend, int maxBatch, long seed) {
            this.backend = backend;
            this.maxBatch = maxBatch;
            this.seed = seed;
        }
    }

    private final Context ctx;
    private final String prefix;

    Plan(Context ctx, String prefix) {
        this.ctx = ctx;
        this.prefix = prefix;
    }

    /** The plan for a child named {@code name} (its names get the prefix {@code name.}). */
    public Plan child(String name) {
        return new Plan(ctx, prefix + name + ".");
    }

    /**
     * Declares {@code layer} at this plan's path: call before a child declares.
     *
     * @throws IllegalArgumentException if the same layer instance appears twice in the tree
     */
    public void enter(Layer layer) {
        String before = ctx.seen.putIfAbsent(layer, prefix);
        if (before != null) {
            throw new IllegalArgumentException(
                    "The same "
                            + layer
                            + " instance appears at '"
                            + path(before)
                            + "' and '"
                            + path(prefix)
                            + "'; use a new instance, or Plan.use for a shared weight");
        }
    }

    private static String path(String prefix) {
        return prefix.isEmpty() ? "(root)" : prefix.substring(0, prefix.length() - 1);
    }

    /** The layer path, e.g. {@code 3.1} (empty for the root). */
    public String path() {
        return prefix.isEmpty() ? "" : prefix.substring(0, prefix.length() - 1);
    }

    /** The largest batch the model accepts. */
    public int maxBatch() {
        return ctx.maxBatch;
    }

    /**
     * A seed for this layer's randomness, derived from the model's seed and the layer's path (for a
     * top-level layer {@code i} the same value as earlier versions, so old runs reproduce).
     */
    public long seed() {
        String p = path();
        long salt;
        try {
            salt = 1_000_003L * (Integer.parseInt(p) + 1);
        } catch (NumberFormatException e) {
            salt = 0x9E3779B97F4A7C15L ^ p.hashCode() * 0xC2B2AE3D27D4EB4FL;
        }
        return DropoutHash.key(ctx.seed, salt);
    }

    /** Declares a parameter stored in file order. Weight decay applies when its rank is ≥ 2. */
    public ParameterUse param(String name, ParameterInit init, int... shape) {
        return param(name, init, StorageLayout.IDENTITY, shape.length >= 2, shape);
    }

    /**
     * Declares a parameter named {@code prefix + name} with {@code shape} in PyTorch's layout,
     * stored in the slab as {@code layout} says, decayed by weight decay and L1 when {@code
     * decays}. Returns its first use.
     */
    public ParameterUse param(
            String name, ParameterInit init, StorageLayout layout, boolean decays, int... shape) {
        String full = prefix + name;
        for (Parameter p : ctx.parameters) {
            if (p.name().equals(full)) {
                throw new IllegalArgumentException("Parameter " + full + " declared twice");
            }
        }
        Parameter p =
                new Parameter(
                        full,
                        shape,
                        init,
                        layout,
                        ctx.values.add(full, shape),
                        ctx.grads.add(full, shape),
                        decays);
        ctx.parameters.add(p);
        return use(p);
    }

    /** A further use of an already declared parameter (weight tying). */
    public ParameterUse use(Parameter shared) {
        ParameterUse u = new ParameterUse(shared);
        ctx.uses.add(u);
        return u;
    }

    /**
     * Declares a buffer named {@code prefix + name}, every element starting at {@code initial};
     * {@code integer} buffers are written to files as int64 (PyTorch's {@code
     * num_batches_tracked}).
     */
    public Buffer buffer(String name, float initial, boolean integer, int... shape) {
        String full = prefix + name;
        Buffer b = new Buffer(full, shape, initial, integer, ctx.buffers.add(full, shape));
        ctx.bufferList.add(b);
        return b;
    }

    /** A {@code (maxBatch, sample…)} tensor kept from forward to backward. */
    public SlabPlan.Slot activation(String name, Shape sample) {
        return ctx.activations.add(prefix + name, sample.withBatch(ctx.maxBatch));
    }

    /**
     * A {@code (maxBatch, sample…)} view over the memory of {@code base} (which must be large
     * enough).
     */
    public SlabPlan.Slot alias(SlabPlan.Slot base, String name, Shape sample) {
        return ctx.activations.alias(base, prefix + name, sample.withBatch(ctx.maxBatch));
    }

    /**
     * A {@code (maxBatch, sample…)} tensor valid only within one forward or backward call: every
     * layer's scratch shares the same memory.
     */
    public SlabPlan.Slot scratch(String name, Shape sample) {
        return ctx.scratch.add(prefix + name, sample.withBatch(ctx.maxBatch));
    }

    /**
     * A tensor of a fixed shape (not per sample) kept from forward to backward, e.g. batch
     * statistics.
     */
    public SlabPlan.Slot fixed(String name, int... shape) {
        return ctx.activations.add(prefix + name, shape);
    }

    /**
     * The backend's convolution and pooling family.
     *
     * @throws IllegalArgumentException if the backend lacks it (naming the family and the layer)
     */
    public ConvOps conv() {
        ConvOps ops = ctx.backend.conv();
        if (ops == null) {
            throw missing("conv (convolution and pooling)");
        }
        return ops;
    }

    /**
     * The backend's normalisation family.
     *
     * @throws IllegalArgumentException if the backend lacks it
     */
    public NormOps norms() {
        NormOps ops = ctx.backend.norms();
        if (ops == null) {
            throw missing("norms (normalisation)");
        }
        return ops;
    }

    /**
     * The backend's sequence-model family (embeddings, layer norm, GELU, attention).
     *
     * @throws IllegalArgumentException if the backend lacks it
     */
    public SequenceOps sequence() {
        SequenceOps ops = ctx.backend.sequence();
        if (ops == null) {
            throw missing("sequence (embeddings, layer norm, attention)");
        }
        return ops;
    }

    private IllegalArgumentException missing(String family) {
        return new IllegalArgumentException(
                "layer "
                        + (path().isEmpty() ? "(root)" : path())
                        + " needs the "
                        + family
                        + " op family, which backend '"
                        + ctx.backend.name()
                        + "' does not implement");
    }

    /** A random counter saved in checkpoints. */
    public RandomCounter counter(String name) {
        RandomCounter c = new RandomCounter(prefix + name);
        ctx.counters.add(c);
        return c;
    }

    /** A mark for {@link #parametersUsedSince}: the number of parameter uses so far. */
    public int mark() {
        return ctx.uses.size();
    }

    /** The parameters of every use declared since {@code mark} (tied ones included). */
    public Parameter[] parametersUsedSince(int mark) {
        List<ParameterUse> u = ctx.uses.subList(mark, ctx.uses.size());
        Parameter[] out = new Parameter[u.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = u.get(i).parameter();
        }
        return out;
    }
}
