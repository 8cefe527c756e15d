package dev.vtrain.train;

/** Progress callbacks; both run on the training thread, so they must be quick. */
public interface TrainingListener {
    /** After each step: {@code batch} of {@code batches} done in {@code epoch} (1-based). */
    default void onBatch(
            int epoch, int batch, int batches, long samplesDone, long nanosSinceEpochStart) {}

    /** After each epoch, validation included. */
    default void onEpoch(EpochStats stats) {}

    /** A listener that does nothing. */
    TrainingListener NONE = new TrainingListener() {};
}
