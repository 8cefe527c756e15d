package dev.vtrain.train;

import dev.vtrain.backend.Backend;
import dev.vtrain.tensor.Tensor;

/**
 * Combines the gradients of data-parallel workers: a {@link Trainer} with a reducer calls it after
 * each backward pass (and L1 term), before clipping, the norm check and the optimizer, so every
 * worker that applies the same reduced gradient takes the same step. Called on the training thread;
 * it must overwrite {@code gradients} (the model's whole gradient slab) with the reduced values and
 * allocate nothing per call.
 */
public interface GradientReducer {
    /** Overwrites {@code gradients} (on {@code backend}) with the combined gradients. */
    void reduce(Tensor gradients, Backend backend);
}
