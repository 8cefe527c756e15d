package dev.vtrain.nn;

import dev.vtrain.backend.Activation;
import dev.vtrain.backend.Backend;
import dev.vtrain.tensor.Tensor;

/** An element-wise activation; backward uses the forward output, so it needs no extra cache. */
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
    public int outFeatures(int inFeatures) {
        return inFeatures;
    }

    @Override
    public void forward(Backend backend, Tensor input, Tensor output, boolean training) {
        backend.activation(function, input, output);
    }

    @Override
    public void backward(
            Backend backend, Tensor input, Tensor output, Tensor gradOutput, Tensor gradInput) {
        if (gradInput != null) {
            backend.activationBackward(function, output, gradOutput, gradInput);
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
    public String toString() {
        return getClass().getSimpleName() + "()";
    }
}
