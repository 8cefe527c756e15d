package dev.vtrain.nn;

import dev.vtrain.tensor.Shape;
import dev.vtrain.tensor.SlabPlan;
import dev.vtrain.tensor.Tensor;

/**
 * A residual block {@code y = x + f(x)}, where {@code f} is its layers applied in order. Children
 * are named by position like {@link Sequential}'s (the PyTorch equivalent is an {@code
 * nn.Sequential} subclass whose forward returns {@code x + super().forward(x)}), and the same
 * fusion rules apply inside. {@code f} must keep the shape. Backward: {@code f}'s backward, then
 * {@code dx += dy}. Build and run it on the thread that owns its model (see {@link Model}); {@link
 * #declare} stores per-model state, so an instance belongs to at most one model.
 */
public final class Residual extends Sequential {
    private SlabPlan.Slot body;

    /**
     * A residual block around at least one layer.
     *
     * @throws IllegalArgumentException if there are no layers
     */
    public Residual(Layer... layers) {
        super(layers);
    }

    /** A residual block around at least one layer. */
    public Residual(java.util.List<Layer> layers) {
        super(layers);
    }

    @Override
    public Shape outputShape(Shape input) {
        Shape out = super.outputShape(input);
        if (!out.equals(input)) {
            throw new IllegalArgumentException(
                    "Residual: its layers map "
                            + input
                            + " to "
                            + out
                            + "; they must keep the shape");
        }
        return out;
    }

    @Override
    public void declare(Plan plan, Shape input) {
        super.declare(plan, input);
        body = plan.activation("residual_body", input);
    }

    @Override
    public void forward(Step step, Tensor x, Tensor y) {
        Tensor f = step.get(body);
        super.forward(step, x, f);
        step.backend().add(x, f, y);
    }

    @Override
    public void backward(Step step, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        super.backward(step, x, step.get(body), dy, dx);
        if (dx != null) {
            step.backend().add(dx, dy, dx);
        }
    }

    @Override
    public LayerSpec spec() {
        return new LayerSpec("residual", java.util.Map.of(), childSpecs());
    }
}
