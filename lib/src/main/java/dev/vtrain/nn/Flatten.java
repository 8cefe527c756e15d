package dev.vtrain.nn;

import dev.vtrain.backend.ConvOps;
import dev.vtrain.tensor.Shape;
import dev.vtrain.tensor.Tensor;

/**
 * Flattens each sample to one dimension, as PyTorch's {@code nn.Flatten()} (start_dim 1): {@code
 * (C, H, W)} becomes {@code (C·H·W)} in PyTorch's order (channel first), so the Linear after it has
 * PyTorch's weight layout; the channels-last images are transposed on the way (a copy when the
 * order already agrees). Build and run it on the thread that owns its model (see {@link Model});
 * {@link #declare} stores per-model state, so an instance belongs to at most one model.
 */
public final class Flatten implements Layer {
    private int channels;
    private int pixels;
    private ConvOps ops;

    @Override
    public Shape outputShape(Shape input) {
        return Shape.of(input.size());
    }

    @Override
    public void declare(Plan plan, Shape input) {
        if (input.rank() == 3 && input.dim(0) > 1 && input.dim(1) * input.dim(2) > 1) {
            channels = input.dim(0);
            pixels = input.dim(1) * input.dim(2);
            ops = plan.conv();
        }
    }

    @Override
    public void forward(Step step, Tensor x, Tensor y) {
        if (ops == null) {
            step.backend().copy(x, y);
        } else {
            ops.transposeSamples(y, x, channels, pixels, true);
        }
    }

    @Override
    public void backward(Step step, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        if (dx == null) {
            return;
        }
        if (ops == null) {
            step.backend().copy(dy, dx);
        } else {
            ops.transposeSamples(dx, dy, channels, pixels, false);
        }
    }

    @Override
    public LayerSpec spec() {
        return LayerSpec.of("flatten");
    }

    @Override
    public String toString() {
        return "Flatten(start_dim=1, end_dim=-1)";
    }
}
