package dev.vtrain.nn;

import dev.vtrain.backend.Activation;
import dev.vtrain.tensor.Shape;
import dev.vtrain.tensor.Tensor;
import java.util.Locale;

/**
 * An element-wise activation on any shape; backward uses the forward output, so it needs neither
 * the input nor a cache. {@link Sequential} fuses one that follows a {@link Linear} into the
 * Linear's GEMM epilogue. It keeps no per-model state; like every layer, it runs on the thread that
 * owns its model (see {@link Model}).
 */
public abstract class ActivationLayer implements Layer {
    private final Activation function;

    ActivationLayer(Activation function) {
        this.function = function;
    }

    /** The activation function. */
    public Activation function() {
        return function;
    }

    @Override
    public Shape outputShape(Shape input) {
        return input;
    }

    @Override
    public void forward(Step step, Tensor x, Tensor y) {
        step.backend().activation(function, x, y);
    }

    @Override
    public void backward(Step step, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        if (dx != null) {
            step.backend().activationBackward(function, y, dy, dx);
        }
    }

    /** The layer for an activation function. */
    public static ActivationLayer of(Activation f) {
        return switch (f) {
            case RELU -> new ReLU();
            case SIGMOID -> new Sigmoid();
            case TANH -> new Tanh();
        };
    }

    @Override
    public LayerSpec spec() {
        return LayerSpec.of(function.name().toLowerCase(Locale.ROOT));
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "()";
    }
}
