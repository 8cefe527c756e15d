package dev.vtrain.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Per-epoch figures of one training run, in order, and how the run ended. Not synchronized: {@link
 * Trainer#fit} fills it on the training thread and returns it finished; read it there, or publish
 * it safely to other threads.
 */
public final class History {
    private final List<EpochStats> epochs = new ArrayList<>();
    private int bestEpoch;
    private boolean stoppedEarly;
    private boolean restoredBest;

    void add(EpochStats stats) {
        epochs.add(stats);
    }

    void finish(int best, boolean stopped, boolean restored) {
        bestEpoch = best;
        stoppedEarly = stopped;
        restoredBest = restored;
    }

    /** The epochs so far (read-only view). */
    public List<EpochStats> epochs() {
        return Collections.unmodifiableList(epochs);
    }

    /** The last epoch, or null before the first. */
    public EpochStats last() {
        return epochs.isEmpty() ? null : epochs.get(epochs.size() - 1);
    }

    /**
     * The best epoch by the early-stopping monitor (or the last epoch without early stopping); 0 if
     * none.
     */
    public int bestEpoch() {
        return bestEpoch;
    }

    /** Whether early stopping ended the run before the configured number of epochs. */
    public boolean stoppedEarly() {
        return stoppedEarly;
    }

    /** Whether the best epoch's weights were restored at the end. */
    public boolean restoredBest() {
        return restoredBest;
    }

    /** Total steps skipped as non-finite. */
    public long skippedSteps() {
        long n = 0;
        for (EpochStats e : epochs) {
            n += e.skippedSteps();
        }
        return n;
    }

    /** Total training seconds over all epochs. */
    public double trainingSeconds() {
        double s = 0;
        for (EpochStats e : epochs) {
            s += e.seconds();
        }
        return s;
    }
}
