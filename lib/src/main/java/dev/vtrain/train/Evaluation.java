package dev.vtrain.train;

/**
 * Loss and accuracy of a model on a dataset. Immutable; any thread may read it.
 *
 * @param loss mean loss
 * @param accuracy fraction of rows classified correctly (NaN for regression)
 * @param samples rows evaluated
 */
public record Evaluation(double loss, double accuracy, long samples) {}
