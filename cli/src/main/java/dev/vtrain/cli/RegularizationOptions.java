package dev.vtrain.cli;

import dev.vtrain.train.EarlyStopping;
import dev.vtrain.train.Monitor;
import picocli.CommandLine.Option;

/** Gradient clipping, L1, the non-finite guard and early stopping. */
final class RegularizationOptions {
    @Option(
            names = "--clip-norm",
            defaultValue = "0",
            description =
                    "Clip the global L2 norm of all gradients to this (0 = off) (default: ${DEFAULT-VALUE}).")
    float clipNorm;

    @Option(
            names = "--clip-value",
            defaultValue = "0",
            description =
                    "Clamp every gradient element to ±this (0 = off) (default: ${DEFAULT-VALUE}).")
    float clipValue;

    @Option(
            names = "--fail-on-nonfinite",
            description =
                    "Stop at once when the gradient norm is NaN or infinite"
                            + " (default: skip such steps).")
    boolean failOnNonFinite;

    @Option(
            names = "--max-bad-steps",
            defaultValue = "10",
            description =
                    "Consecutive non-finite steps that stop training (default: ${DEFAULT-VALUE}).")
    int maxBadSteps;

    @Option(
            names = "--l1",
            defaultValue = "0",
            description =
                    "L1 strength on weight matrices: λ·Σ|w| joins the loss (default: ${DEFAULT-VALUE}).")
    float l1;

    @Option(
            names = "--early-stopping",
            description =
                    "Stop when --monitor has not improved for --patience epochs, and"
                            + " restore the best epoch's weights.")
    boolean earlyStopping;

    @Option(
            names = "--monitor",
            defaultValue = "val_loss",
            description =
                    "val_loss, val_accuracy, train_loss or train_accuracy (default: ${DEFAULT-VALUE}).")
    String monitor;

    @Option(
            names = "--patience",
            defaultValue = "5",
            description = "Early-stopping patience in epochs (default: ${DEFAULT-VALUE}).")
    int patience;

    @Option(
            names = "--min-delta",
            defaultValue = "0",
            description = "Smallest improvement that counts (default: ${DEFAULT-VALUE}).")
    double minDelta;

    @Option(
            names = "--no-restore-best",
            description = "Keep the last epoch's weights when stopping early.")
    boolean noRestoreBest;

    EarlyStopping early() {
        return earlyStopping
                ? new EarlyStopping(Monitor.of(monitor), patience, minDelta, !noRestoreBest)
                : null;
    }
}
