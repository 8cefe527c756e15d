package dev.vtrain.optim;

/** Updates a model's parameters from its accumulated gradients. */
public interface Optimizer extends AutoCloseable {
    /** One update at the optimizer's configured learning rate. */
    default void step() {
        step(learningRate());
    }

    /**
     * One update at learning rate {@code lr} (a schedule passes its value here, so no schedule
     * mutates the optimizer). Overwrites parameters and optimizer state; reads gradients.
     */
    void step(float lr);

    /** The configured (base) learning rate. */
    float learningRate();

    /** Updates taken so far. */
    long steps();

    /** Frees optimizer state. */
    @Override
    void close();
}
