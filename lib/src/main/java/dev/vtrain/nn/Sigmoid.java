package dev.vtrain.nn;

import dev.vtrain.backend.Activation;

/** Element-wise {@code 1 / (1 + exp(-x))}, as PyTorch's {@code nn.Sigmoid}. */
public final class Sigmoid extends ActivationLayer {
    /** Creates the layer. */
    public Sigmoid() {
        super(Activation.SIGMOID);
    }
}
