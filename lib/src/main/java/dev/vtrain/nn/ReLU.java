package dev.vtrain.nn;

import dev.vtrain.backend.Activation;

/**
 * Element-wise {@code max(x, 0)}, as PyTorch's {@code nn.ReLU}. It keeps no per-model state; like
 * every layer, it runs on the thread that owns its model (see {@link Model}).
 */
public final class ReLU extends ActivationLayer {
    /** Creates the layer. */
    public ReLU() {
        super(Activation.RELU);
    }
}
