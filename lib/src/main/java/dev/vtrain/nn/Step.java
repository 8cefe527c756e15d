package dev.vtrain.nn;

import dev.vtrain.backend.Backend;
import dev.vtrain.tensor.SlabPlan;
import dev.vtrain.tensor.Tensor;

/**
 * What a forward or backward call runs in: the backend, train or eval mode, the batch size and
 * whether parameter gradients accumulate. {@link #get} gives a planned slot's view for this batch
 * (views are cached, so nothing is allocated per call). Owned and reused by one {@link Model}; not
 * thread-safe.
 */
public final class Step {
    private final Backend backend;
    private boolean training;
    private int batch;
    private boolean accumulate;

    Step(Backend backend) {
        this.backend = backend;
    }

    void set(int batch, boolean training, boolean accumulate) {
        this.batch = batch;
        this.training = training;
        this.accumulate = accumulate;
    }

    /** The backend every tensor lives in. */
    public Backend backend() {
        return backend;
    }

    /** Training mode (dropout active, batch statistics) or evaluation mode. */
    public boolean training() {
        return training;
    }

    /** Samples in this call. */
    public int batch() {
        return batch;
    }

    /** Whether backward adds to parameter gradients (otherwise the first use overwrites). */
    public boolean accumulate() {
        return accumulate;
    }

    /** The first {@link #batch()} samples of a slot planned with {@link Plan}. */
    public Tensor get(SlabPlan.Slot slot) {
        return slot.tensor().firstRows(batch);
    }
}
