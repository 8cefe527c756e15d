package dev.vtrain.nn;

import dev.vtrain.backend.Activation;

/**
 * Element-wise {@code 1 / (1 + exp(-x))}, as PyTorch's {@code nn.Sigmoid}. It keeps no per-model
 * state; like every layer, it runs on the thread that owns its model (see {@link Model}).
 */
public final class Sigmoid extends ActivationLayer {
    /** Creates the layer. */
    public Sigmoid() {
        super(Activation.SIGMOID);
    }
}
