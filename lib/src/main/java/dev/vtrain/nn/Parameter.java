package dev.vtrain.nn;

import dev.vtrain.tensor.SlabPlan;
import dev.vtrain.tensor.Tensor;

/**
 * A trainable tensor and its gradient, named like PyTorch's {@code state_dict} keys ({@code
 * 0.weight}, {@code 3.1.bias}, …). Value and gradient are views into the model's parameter and
 * gradient slabs at the same offset. Whether it is frozen (no gradient work, no optimizer update)
 * and whether weight decay and L1 apply to it are properties of the parameter. A parameter may be
 * used by several layers (weight tying); each use is a {@link ParameterUse}.
 *
 * <p>Configure (freeze) from the thread that builds and trains the model, before creating the
 * optimizer.
 */
public final class Parameter {
    private final String name;
    private final int[] shape;
    private final ParameterInit init;
    private final StorageLayout layout;
    private final SlabPlan.Slot value;
    private final SlabPlan.Slot grad;
    private final boolean decays;
    private boolean frozen;
    private boolean staleGradient;

    Parameter(
            String name,
            int[] shape,
            ParameterInit init,
            StorageLayout layout,
            SlabPlan.Slot value,
            SlabPlan.Slot grad,
            boolean decays) {
        this.name = name;
        this.shape = shape.clone();
        this.init = init;
        this.layout = layout;
        this.value = value;
        this.grad = grad;
        this.decays = decays;
    }

    /** Dotted name, e.g. {@code 0.weight}. */
    public String name() {
        return name;
    }

    /** The path of the layer that declared it, e.g. {@code 0} for {@code 0.weight}. */
    public String owner() {
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(0, dot);
    }

    /** A copy of the shape in PyTorch's layout, e.g. {@code (out, in)} for a Linear weight. */
    public int[] shape() {
        return shape.clone();
    }

    /** Number of elements. */
    public long size() {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    ParameterInit init() {
        return init;
    }

    StorageLayout layout() {
        return layout;
    }

    /** The values (a view into the parameter slab, in slab order). */
    public Tensor value() {
        return value.tensor();
    }

    /** The gradient (a view into the gradient slab, same order as {@link #value()}). */
    public Tensor grad() {
        return grad.tensor();
    }

    /**
     * Whether weight decay and L1 apply by default: true for weights (rank ≥ 2), false for biases
     * and normalisation parameters, as the CLI's {@code --weight-decay} documents.
     */
    public boolean decays() {
        return decays;
    }

    /** Whether the parameter is frozen. */
    public boolean frozen() {
        return frozen;
    }

    /**
     * Freezes or unfreezes: a frozen parameter gets no gradient work (its gradient reads zero from
     * the next backward pass on) and no optimizer update. Set before creating the optimizer.
     */
    public void frozen(boolean value) {
        if (value && !frozen) {
            staleGradient = true;
        }
        frozen = value;
    }

    /** True once after freezing: the model then zeroes the gradient left from earlier steps. */
    boolean takeStaleGradient() {
        boolean s = staleGradient && frozen;
        staleGradient = false;
        return s;
    }

    @Override
    public String toString() {
        return name + Tensor.format(shape);
    }
}
