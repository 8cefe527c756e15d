package dev.vtrain.nn;

import dev.vtrain.tensor.SlabPlan;
import dev.vtrain.tensor.Tensor;

/**
 * A trainable tensor and its gradient, named like PyTorch's {@code state_dict} keys ({@code
 * 0.weight}, {@code 2.bias}, …). Value and gradient are views into the model's parameter and
 * gradient slabs at the same offset.
 */
public final class Parameter {
    private final String name;
    private final int[] shape;
    private final ParameterInit init;
    private final SlabPlan.Slot value;
    private final SlabPlan.Slot grad;

    Parameter(
            String name, int[] shape, ParameterInit init, SlabPlan.Slot value, SlabPlan.Slot grad) {
        this.name = name;
        this.shape = shape.clone();
        this.init = init;
        this.value = value;
        this.grad = grad;
    }

    /** Dotted name, e.g. {@code 0.weight}. */
    public String name() {
        return name;
    }

    /** A copy of the shape, e.g. {@code (out, in)} for a Linear weight. */
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

    /** The values (a view into the parameter slab). */
    public Tensor value() {
        return value.tensor();
    }

    /** The accumulated gradient (a view into the gradient slab). */
    public Tensor grad() {
        return grad.tensor();
    }

    @Override
    public String toString() {
        return name + Tensor.format(shape);
    }
}
