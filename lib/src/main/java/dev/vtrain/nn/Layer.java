package dev.vtrain.nn;

import dev.vtrain.tensor.Shape;
import dev.vtrain.tensor.Tensor;

/**
 * One node of a network: a leaf such as {@link Linear} or a container such as {@link Sequential} or
 * {@link Residual}. Lifecycle: constructed with hyperparameters only; when a {@link Model} is
 * built, {@link #outputShape} checks the input shape and {@link #declare} asks a {@link Plan} for
 * parameters, buffers and memory; then {@link #forward} and {@link #backward} run every step on
 * tensors the model owns. A layer instance belongs to at most one model. Implementations may assume
 * that every call comes from the thread that builds and runs that model (see {@link Model}), one at
 * a time, so they need no synchronization.
 *
 * <p>Tensors are batches: {@code (batch, sample shape…)} with batch up to the model's maximum.
 * Images are {@code (C, H, W)} samples stored channels-last (H·W rows of C values); every other
 * shape is stored row-major as written.
 */
public interface Layer {
    /**
     * The sample shape this layer produces from {@code input}.
     *
     * @throws IllegalArgumentException if the layer cannot take that input; the message names the
     *     layer, the expected and the given shape
     */
    Shape outputShape(Shape input);

    /** Declares parameters, buffers and memory (nothing by default). Called once, at build. */
    default void declare(Plan plan, Shape input) {}

    /** Overwrites {@code y} from {@code x}; may update buffers in training mode. */
    void forward(Step step, Tensor x, Tensor y);

    /**
     * Back-propagates {@code dy}: writes this layer's parameter gradients (overwriting or
     * accumulating as each {@link ParameterUse#beta} says, skipping frozen ones) and, when {@code
     * dx} is not null, overwrites {@code dx}. {@code x} and {@code y} are the tensors of the
     * matching forward call (a container that fuses this layer with its neighbour calls neither).
     */
    void backward(Step step, Tensor x, Tensor y, Tensor dy, Tensor dx);

    /** The layer as data, for model files. */
    LayerSpec spec();
}
