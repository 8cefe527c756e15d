package dev.vtrain.nn;

import dev.vtrain.backend.Activation;

/**
 * Element-wise {@code tanh(x)}, as PyTorch's {@code nn.Tanh}. It keeps no per-model state; like
 * every layer, it runs on the thread that owns its model (see {@link Model}).
 */
public final class Tanh extends ActivationLayer {
    /** Creates the layer. */
    public Tanh() {
        super(Activation.TANH);
    }
}
