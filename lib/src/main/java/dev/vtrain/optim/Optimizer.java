package dev.vtrain.optim;

import dev.vtrain.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Updates a model's parameters from its accumulated gradients. Implementations may assume that only
 * the thread training the model calls them, between the model's steps, so they need no
 * synchronization.
 */
public interface Optimizer extends AutoCloseable {
    /** One update at the optimizer's configured learning rate. */
    default void step() {
        step(learningRate());
    }

    /**
     * One update at learning rate {@code lr} (a schedule passes its value here, so no schedule
     * mutates the optimizer); each group uses {@code lr × its scale}. Overwrites parameters and
     * optimizer state; reads gradients.
     */
    default void step(float lr) {
        step(lr, 1f);
    }

    /**
     * One update at learning rate {@code lr} that reads every gradient as {@code gradScale · grad}
     * without writing the gradients: clipping by global norm folded into the update pass, as {@link
     * dev.vtrain.train.Trainer} does. Equal to scaling the gradients by {@code gradScale} and then
     * calling {@link #step(float)}, except that the gradients keep their unscaled values.
     */
    void step(float lr, float gradScale);

    /** The configured (base) learning rate. */
    float learningRate();

    /** Updates taken so far. */
    long steps();

    /** The parameter groups. */
    List<ParamGroup> groups();

    /** State slabs by name (same layout as the parameter slab), for checkpoints. */
    Map<String, Tensor> state();

    /**
     * Restores state saved from {@link #state()} and the step count.
     *
     * @throws IllegalArgumentException if a slab is missing or has the wrong size
     */
    void restore(long steps, Map<String, float[]> state);

    /** Frees optimizer state. */
    @Override
    void close();
}
