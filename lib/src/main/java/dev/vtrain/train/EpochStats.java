package dev.vtrain.train;

/**
 * One epoch's figures. Accuracies are NaN for regression; validation figures are NaN without
 * validation data. Training loss and accuracy are running values over the epoch's applied steps.
 * Immutable; any thread may read it.
 *
 * @param epoch 1-based epoch number
 * @param trainLoss mean training loss (the L1 penalty included when L1 is on)
 * @param trainAccuracy training accuracy
 * @param valLoss mean validation loss
 * @param valAccuracy validation accuracy
 * @param lr learning rate of the epoch's last step
 * @param skippedSteps steps skipped in this epoch because loss or gradient norm was not finite
 * @param seconds wall-clock seconds of the epoch's training steps (evaluation excluded)
 * @param samplesPerSecond training throughput
 */
public record EpochStats(
        int epoch,
        double trainLoss,
        double trainAccuracy,
        double valLoss,
        double valAccuracy,
        double lr,
        long skippedSteps,
        double seconds,
        double samplesPerSecond) {}
