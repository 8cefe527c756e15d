package dev.vtrain.optim.schedule;

import java.util.Locale;

/**
 * PyTorch's {@code ReduceLROnPlateau} as a monitor: fed one value of a validation metric per epoch,
 * it multiplies its {@link #scale()} by {@code factor} after {@code patience} epochs without
 * improvement (by more than {@code threshold}, relative or absolute), then waits {@code cooldown}
 * epochs; the rate never goes below {@code minLr}. The trainer multiplies the scheduled rate by the
 * scale. Its state is four numbers, saved with checkpoints. Mutable and not synchronized: the
 * trainer calls {@link #record} and {@link #scale} on the training thread; use an instance for one
 * run at a time.
 */
public final class ReduceLROnPlateau {
    /** Whether lower or higher metric values are better. */
    public enum Mode {
        /** Lower is better (losses). */
        MIN,
        /** Higher is better (accuracies). */
        MAX
    }

    private final Mode mode;
    private final double factor;
    private final int patience;
    private final double threshold;
    private final boolean relative;
    private final int cooldown;
    private final double minLr;
    private final double eps;
    private double best;
    private int badEpochs;
    private int cooldownLeft;
    private double scale = 1;

    /**
     * A monitor with PyTorch's semantics.
     *
     * @throws IllegalArgumentException if factor ∉ (0, 1), or patience, cooldown, threshold or
     *     minLr is negative
     */
    public ReduceLROnPlateau(
            Mode mode,
            double factor,
            int patience,
            double threshold,
            boolean relativeThreshold,
            int cooldown,
            double minLr) {
        if (!(factor > 0 && factor < 1)) {
            throw new IllegalArgumentException(
                    "Invalid plateau factor: " + factor + " (must be in (0, 1))");
        }
        if (patience < 0 || cooldown < 0 || !(threshold >= 0) || !(minLr >= 0)) {
            throw new IllegalArgumentException(
                    String.format(
                            Locale.ROOT,
                            "Invalid plateau settings: patience=%d, cooldown=%d, threshold=%s, min_lr=%s (all must be ≥ 0)",
                            patience,
                            cooldown,
                            threshold,
                            minLr));
        }
        this.mode = mode;
        this.factor = factor;
        this.patience = patience;
        this.threshold = threshold;
        this.relative = relativeThreshold;
        this.cooldown = cooldown;
        this.minLr = minLr;
        this.eps = 1e-8;
        this.best = mode == Mode.MIN ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
    }

    /**
     * PyTorch's defaults: factor 0.1, patience 10, threshold 1e-4 relative, no cooldown, min_lr 0.
     */
    public static ReduceLROnPlateau defaults(Mode mode) {
        return new ReduceLROnPlateau(mode, 0.1, 10, 1e-4, true, 0, 0);
    }

    private boolean better(double v) {
        if (mode == Mode.MIN) {
            return v < (relative ? best * (1 - threshold) : best - threshold);
        }
        return v > (relative ? best * (1 + threshold) : best + threshold);
    }

    /**
     * Records one epoch's metric; {@code baseLr} is the scheduled rate the scale applies to (for
     * the {@code minLr} floor). Returns true when the rate was reduced.
     */
    public boolean record(double metric, double baseLr) {
        if (better(metric)) {
            best = metric;
            badEpochs = 0;
        } else {
            badEpochs++;
        }
        if (cooldownLeft > 0) {
            cooldownLeft--;
            badEpochs = 0;
        }
        if (badEpochs > patience) {
            double old = baseLr * scale;
            double next = Math.max(old * factor, minLr);
            badEpochs = 0;
            cooldownLeft = cooldown;
            if (old - next > eps) {
                scale = baseLr == 0 ? scale * factor : next / baseLr;
                return true;
            }
        }
        return false;
    }

    /** The factor on the scheduled rate (1 until the first reduction). */
    public double scale() {
        return scale;
    }

    /** State for checkpoints: best, bad epochs, cooldown left, scale. */
    public double[] state() {
        return new double[] {best, badEpochs, cooldownLeft, scale};
    }

    /** Restores {@link #state()}. */
    public void restore(double[] s) {
        if (s.length != 4) {
            throw new IllegalArgumentException("Plateau state needs 4 values, got " + s.length);
        }
        best = s[0];
        badEpochs = (int) s[1];
        cooldownLeft = (int) s[2];
        scale = s[3];
    }
}
