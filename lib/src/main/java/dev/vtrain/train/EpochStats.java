package dev.vtrain.train;

/**
 * One epoch's figures. Accuracies are NaN for regression; validation figures are NaN without
 * validation data. Training loss and accuracy are running values over the epoch's batches.
 *
 * @param epoch 1-based epoch number
 * @param trainLoss mean training loss
 * @param trainAccuracy training accuracy
 * @param valLoss mean validation loss
 * @param valAccuracy validation accuracy
 * @param seconds wall-clock seconds of the epoch's training steps (evaluation excluded)
 * @param samplesPerSecond training throughput
 */
public record EpochStats(
        int epoch,
        double trainLoss,
        double trainAccuracy,
        double valLoss,
        double valAccuracy,
        double seconds,
        double samplesPerSecond) {}
