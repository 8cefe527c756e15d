package dev.vtrain.nn;

import dev.vtrain.tensor.Shape;
import dev.vtrain.tensor.Tensor;

/**
 * A test layer that reuses another Linear's weight W (out × in) transposed: {@code y = x · W}, from
 * {@code out} features back to {@code in} (as a tied decoder or a GPT head tied to its embedding).
 */
final class TiedTranspose implements Layer {
    private final Linear source;
    private ParameterUse weight;

    TiedTranspose(Linear source) {
        this.source = source;
    }

    @Override
    public Shape outputShape(Shape input) {
        if (input.last() != source.outFeatures()) {
            throw new IllegalArgumentException(
                    "TiedTranspose: expected (*, " + source.outFeatures() + ") but got " + input);
        }
        return input.withLast(source.inFeatures());
    }

    @Override
    public void declare(Plan plan, Shape input) {
        weight = plan.use(source.weight());
    }

    @Override
    public void forward(Step step, Tensor x, Tensor y) {
        step.backend().gemm(y, x, false, weight.value(), false, 1f, 0f);
    }

    @Override
    public void backward(Step step, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        // dW (out × in) += xᵀ · dy
        step.backend().gemm(weight.grad(), x, true, dy, false, 1f, weight.beta(step));
        if (dx != null) {
            step.backend().gemm(dx, dy, false, weight.value(), true, 1f, 0f);
        }
    }

    @Override
    public LayerSpec spec() {
        return LayerSpec.of("tied_transpose");
    }

    @Override
    public String toString() {
        return "TiedTranspose()";
    }
}
