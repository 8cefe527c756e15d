package dev.vtrain.nn;

import dev.vtrain.backend.SequenceOps;
import dev.vtrain.tensor.Shape;
import dev.vtrain.tensor.Tensor;
import java.util.Map;

/**
 * GELU on any shape, as PyTorch's {@code nn.GELU(approximate='none' | 'tanh')}. Backward reads the
 * input (its derivative is not a function of the output), which the container keeps. Build and run
 * it on the thread that owns its model (see {@link Model}); {@link #declare} stores per-model
 * state, so an instance belongs to at most one model.
 */
public final class Gelu implements Layer {
    private final boolean tanh;
    private SequenceOps ops;

    /** Exact GELU ({@code x · Φ(x)}). */
    public Gelu() {
        this(false);
    }

    /** GELU, with the tanh approximation when {@code tanh}. */
    public Gelu(boolean tanh) {
        this.tanh = tanh;
    }

    @Override
    public Shape outputShape(Shape input) {
        return input;
    }

    @Override
    public void declare(Plan plan, Shape input) {
        ops = plan.sequence();
    }

    @Override
    public void forward(Step step, Tensor x, Tensor y) {
        ops.gelu(y, x, tanh);
    }

    @Override
    public void backward(Step step, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        if (dx != null) {
            ops.geluBackward(dx, dy, x, tanh);
        }
    }

    @Override
    public LayerSpec spec() {
        return LayerSpec.of("gelu", Map.of("approximate", tanh ? "tanh" : "none"));
    }

    @Override
    public String toString() {
        return tanh ? "GELU(approximate='tanh')" : "GELU(approximate='none')";
    }
}
