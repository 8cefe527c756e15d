package dev.vtrain.train;

import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * A per-epoch quantity to watch (early stopping, reduce-on-plateau) and whether lower is better.
 * Immutable when its function is (those of {@link #of} are); the trainer applies it on the training
 * thread.
 */
public record Monitor(String name, ToDoubleFunction<EpochStats> value, boolean lowerIsBetter) {
    /**
     * {@code val_loss}, {@code val_accuracy}, {@code train_loss} or {@code train_accuracy}; losses
     * are minimised, accuracies maximised.
     *
     * @throws IllegalArgumentException for another name
     */
    public static Monitor of(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "val_loss" -> new Monitor("val_loss", EpochStats::valLoss, true);
            case "val_accuracy", "val_acc" ->
                    new Monitor("val_accuracy", EpochStats::valAccuracy, false);
            case "train_loss", "loss" -> new Monitor("train_loss", EpochStats::trainLoss, true);
            case "train_accuracy", "accuracy", "acc" ->
                    new Monitor("train_accuracy", EpochStats::trainAccuracy, false);
            default ->
                    throw new IllegalArgumentException(
                            "Unknown monitor '"
                                    + name
                                    + "' (expected val_loss, val_accuracy, train_loss or train_accuracy)");
        };
    }
}
