package dev.vtrain.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Per-epoch figures of one training run, in order. */
public final class History {
    private final List<EpochStats> epochs = new ArrayList<>();

    void add(EpochStats stats) {
        epochs.add(stats);
    }

    /** The epochs so far (read-only view). */
    public List<EpochStats> epochs() {
        return Collections.unmodifiableList(epochs);
    }

    /** The last epoch, or null before the first. */
    public EpochStats last() {
        return epochs.isEmpty() ? null : epochs.get(epochs.size() - 1);
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
