package dev.vtrain.train;

/**
 * Stops training when a monitored quantity has not improved by more than {@code minDelta} for
 * {@code patience} epochs; the trainer then restores the weights of the best epoch (when {@code
 * restoreBest}). Improvement means lower or higher as the monitor says. Immutable; any thread may
 * read it.
 *
 * @param monitor what to watch
 * @param patience epochs without improvement tolerated
 * @param minDelta smallest change that counts as an improvement
 * @param restoreBest restore the best epoch's weights at the end
 */
public record EarlyStopping(Monitor monitor, int patience, double minDelta, boolean restoreBest) {
    /** Validates the settings. */
    public EarlyStopping {
        if (patience < 0 || !(minDelta >= 0)) {
            throw new IllegalArgumentException(
                    "Invalid early stopping: patience "
                            + patience
                            + ", min delta "
                            + minDelta
                            + " (both must be ≥ 0)");
        }
    }

    /** Whether {@code value} improves on {@code best}. NaN never improves. */
    public boolean improves(double value, double best) {
        if (Double.isNaN(value)) {
            return false;
        }
        if (Double.isNaN(best)) {
            return true;
        }
        return monitor.lowerIsBetter() ? value < best - minDelta : value > best + minDelta;
    }
}
