package dev.vtrain.nn;

import dev.vtrain.backend.Activation;

/** Element-wise {@code max(x, 0)}, as PyTorch's {@code nn.ReLU}. */
public final class ReLU extends ActivationLayer {
    /** Creates the layer. */
    public ReLU() {
        super(Activation.RELU);
    }
}
