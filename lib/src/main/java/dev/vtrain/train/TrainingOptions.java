package dev.vtrain.train;

import dev.vtrain.optim.schedule.ReduceLROnPlateau;
import dev.vtrain.optim.schedule.Schedule;

/**
 * How {@link Trainer#fit} trains. Build with {@link #builder()}; every setting has a default: 10
 * epochs, seed 0, the optimizer's constant rate, no clipping, no L1, no early stopping, and
 * non-finite protection on (a step whose loss or gradient norm is NaN/∞ is skipped and counted; 10
 * such steps in a row stop training). Immutable itself, but the {@link ReduceLROnPlateau}, listener
 * and checkpoint sink it holds are not: use it for one {@link Trainer#fit} at a time, which calls
 * them on the training thread.
 *
 * @param epochs epochs to run (fewer if early stopping triggers)
 * @param seed shuffling seed
 * @param schedule learning rate by successful step, or null for the optimizer's rate
 * @param plateau reduce-on-plateau monitor (its factor multiplies the schedule), or null
 * @param plateauMonitor what the plateau monitor watches
 * @param clipNorm maximum global L2 norm of all gradients (0 = off)
 * @param failOnNonFiniteNorm throw instead of skipping when the gradient norm is not finite
 * @param clipValue clamp every gradient element to ±clipValue (0 = off)
 * @param l1 L1 strength λ on weight matrices: λ·Σ|w| joins the loss, λ·sign(w) the gradient
 * @param earlyStopping early stopping, or null
 * @param checkFinite compute the gradient norm every step to guard against NaN/∞
 * @param maxBadSteps consecutive non-finite steps tolerated before training stops
 * @param listener progress callbacks
 * @param checkpointEvery batches between checkpoints (0: only at the end of each epoch)
 * @param checkpoints where checkpoints go, or null for none
 */
public record TrainingOptions(
        int epochs,
        long seed,
        Schedule schedule,
        ReduceLROnPlateau plateau,
        Monitor plateauMonitor,
        float clipNorm,
        boolean failOnNonFiniteNorm,
        float clipValue,
        float l1,
        EarlyStopping earlyStopping,
        boolean checkFinite,
        int maxBadSteps,
        TrainingListener listener,
        int checkpointEvery,
        CheckpointSink checkpoints) {

    /** Validates the settings. */
    public TrainingOptions {
        if (epochs < 0) {
            throw new IllegalArgumentException("Invalid epoch count: " + epochs + " (must be ≥ 0)");
        }
        if (!(clipNorm >= 0) || !(clipValue >= 0) || !(l1 >= 0)) {
            throw new IllegalArgumentException(
                    "Invalid clipping or L1 setting: clip norm "
                            + clipNorm
                            + ", clip value "
                            + clipValue
                            + ", l1 "
                            + l1
                            + " (all must be ≥ 0)");
        }
        if (checkpointEvery < 0) {
            throw new IllegalArgumentException(
                    "Invalid checkpoint interval: " + checkpointEvery + " (must be ≥ 0)");
        }
        if (maxBadSteps < 1) {
            throw new IllegalArgumentException(
                    "Invalid max bad steps: " + maxBadSteps + " (must be ≥ 1)");
        }
        if (listener == null) {
            listener = TrainingListener.NONE;
        }
        if (plateauMonitor == null) {
            plateauMonitor = Monitor.of("val_loss");
        }
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Mutable builder for {@link TrainingOptions}. */
    public static final class Builder {
        private int epochs = 10;
        private long seed;
        private Schedule schedule;
        private ReduceLROnPlateau plateau;
        private Monitor plateauMonitor;
        private float clipNorm;
        private boolean failOnNonFiniteNorm;
        private float clipValue;
        private float l1;
        private EarlyStopping earlyStopping;
        private boolean checkFinite = true;
        private int maxBadSteps = 10;
        private TrainingListener listener = TrainingListener.NONE;
        private int checkpointEvery;
        private CheckpointSink checkpoints;

        private Builder() {}

        /**
         * Checkpoints to {@code sink} every {@code everyBatches} batches (0: at epoch ends only).
         */
        public Builder checkpoints(CheckpointSink sink, int everyBatches) {
            checkpoints = sink;
            checkpointEvery = everyBatches;
            return this;
        }

        /** Epochs to run. */
        public Builder epochs(int v) {
            epochs = v;
            return this;
        }

        /** Shuffling seed. */
        public Builder seed(long v) {
            seed = v;
            return this;
        }

        /** Learning-rate schedule over successful steps. */
        public Builder schedule(Schedule v) {
            schedule = v;
            return this;
        }

        /** Reduce-on-plateau watching {@code monitor}. */
        public Builder plateau(ReduceLROnPlateau v, Monitor monitor) {
            plateau = v;
            plateauMonitor = monitor;
            return this;
        }

        /**
         * Clip the global gradient norm to {@code maxNorm}; optionally fail on a non-finite norm.
         */
        public Builder clipNorm(float maxNorm, boolean failOnNonFinite) {
            clipNorm = maxNorm;
            failOnNonFiniteNorm = failOnNonFinite;
            return this;
        }

        /** Clamp gradients to ±{@code v}. */
        public Builder clipValue(float v) {
            clipValue = v;
            return this;
        }

        /** L1 strength on weight matrices. */
        public Builder l1(float v) {
            l1 = v;
            return this;
        }

        /** Early stopping. */
        public Builder earlyStopping(EarlyStopping v) {
            earlyStopping = v;
            return this;
        }

        /**
         * Guard against non-finite steps (on by default); {@code maxBadSteps} in a row stop
         * training.
         */
        public Builder nonFinite(boolean check, int maxBad) {
            checkFinite = check;
            maxBadSteps = maxBad;
            return this;
        }

        /** Progress callbacks. */
        public Builder listener(TrainingListener v) {
            listener = v;
            return this;
        }

        /** The options. */
        public TrainingOptions build() {
            return new TrainingOptions(
                    epochs,
                    seed,
                    schedule,
                    plateau,
                    plateauMonitor,
                    clipNorm,
                    failOnNonFiniteNorm,
                    clipValue,
                    l1,
                    earlyStopping,
                    checkFinite,
                    maxBadSteps,
                    listener,
                    checkpointEvery,
                    checkpoints);
        }
    }
}
