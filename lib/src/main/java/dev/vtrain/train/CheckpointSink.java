package dev.vtrain.train;

import dev.vtrain.tensor.Tensor;
import java.io.IOException;

/**
 * Receives the training state at checkpoint moments (every N batches and at the end of every
 * epoch); the implementation saves it with the model and optimizer, e.g. {@code
 * dev.vtrain.io.Checkpoints}. Implementations may assume {@link #save} is called on the training
 * thread, between steps, so they may read the model and optimizer directly.
 */
@FunctionalInterface
public interface CheckpointSink {
    /**
     * Saves the state. {@code bestParams} holds the best epoch's parameters when early stopping
     * restores them, else null.
     */
    void save(TrainingState state, Tensor bestParams) throws IOException;
}
