package dev.vtrain.train;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a {@link Trainer#fit} run stands: the position (epoch in progress, next batch), the running
 * sums of that epoch, early-stopping and non-finite counters, and the history so far. Together with
 * the model's parameters and dropout counters, the optimizer's state and step count, and the
 * plateau monitor's state, it is everything a checkpoint needs for a bit-identical resume (the data
 * order is a pure function of the seed and the epoch). Mutable and not synchronized: {@link
 * Trainer#fit} updates it on the training thread, and a {@link CheckpointSink} reads it there; do
 * not share it with other threads during a run.
 */
public final class TrainingState {
    /** 1-based epoch in progress, or the next to start. */
    public int epoch = 1;

    /** Index of the next batch within {@link #epoch}. */
    public int batch;

    /** Σ (step loss × rows) over the epoch's applied steps. */
    public double lossTotal;

    /** Rows of the epoch's applied steps. */
    public long appliedRows;

    /** Steps of the epoch skipped as non-finite. */
    public long skipped;

    /** Correct predictions counted so far in the epoch. */
    public double correct;

    /** Training seconds spent so far in the epoch. */
    public double epochSeconds;

    /** Early stopping: best monitored value so far (NaN before the first epoch). */
    public double bestValue = Double.NaN;

    /** Early stopping: epoch of {@link #bestValue} (0 before the first). */
    public int bestEpoch;

    /** Early stopping: epochs since the best. */
    public int sinceBest;

    /** Non-finite steps in a row. */
    public int consecutiveBad;

    /** Batches processed over the whole run (applied or skipped). */
    public long batchesDone;

    /** Finished epochs. */
    public final List<EpochStats> history = new ArrayList<>();

    /** Whether early stopping ended the run (set when fit returns). */
    public boolean stopped;

    void startEpoch(int e) {
        epoch = e;
        batch = 0;
        lossTotal = 0;
        appliedRows = 0;
        skipped = 0;
        correct = 0;
        epochSeconds = 0;
    }
}
