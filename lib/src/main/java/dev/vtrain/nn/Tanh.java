package dev.vtrain.nn;

import dev.vtrain.backend.Activation;

/** Element-wise {@code tanh(x)}, as PyTorch's {@code nn.Tanh}. */
public final class Tanh extends ActivationLayer {
    /** Creates the layer. */
    public Tanh() {
        super(Activation.TANH);
    }
}
