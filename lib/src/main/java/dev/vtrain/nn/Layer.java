package dev.vtrain.nn;

import dev.vtrain.backend.Backend;
import dev.vtrain.tensor.Tensor;

/**
 * One stage of a network. Lifecycle: constructed with hyperparameters only; {@link #outFeatures}
 * and {@link #declare} are called once when a {@link Model} is built (shapes and parameters); then
 * {@link #forward} and {@link #backward} run every step on tensors the model owns. Inputs and
 * outputs are (batch × features) matrices; batch may be anything up to the model's maximum.
 */
public interface Layer {
    /**
     * Output features for {@code inFeatures} input features.
     *
     * @throws IllegalArgumentException if this layer cannot take that input
     */
    int outFeatures(int inFeatures);

    /** Declares this layer's parameters (none by default). Called once, before allocation. */
    default void declare(LayerPlan plan, int inFeatures) {}

    /** Overwrites {@code output} (batch × out) from {@code input} (batch × in). */
    void forward(Backend backend, Tensor input, Tensor output, boolean training);

    /**
     * Back-propagates {@code gradOutput} (batch × out): accumulates into parameter gradients and,
     * when {@code gradInput} is not null, overwrites it (batch × in). {@code input} and {@code
     * output} are the tensors of the matching forward call.
     */
    void backward(
            Backend backend, Tensor input, Tensor output, Tensor gradOutput, Tensor gradInput);
}
