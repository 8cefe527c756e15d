package dev.vtrain.bench;

/**
 * One framework's full training step (forward, cross-entropy, backward, Adam lr 1e-3) on a fixed
 * batch, so {@link TrainStepBench} can time several frameworks side by side in one run.
 */
public interface StepWorkload extends AutoCloseable {
    /** Runs one step. */
    void step();

    /** The loss of the last step, to check that the step really trains. */
    double lastLoss();

    @Override
    void close();
}
