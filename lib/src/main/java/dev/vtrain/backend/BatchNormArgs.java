package dev.vtrain.backend;

import dev.vtrain.tensor.Tensor;

/**
 * The tensors and settings of one batch-norm layer, fixed when the model is built (so a call passes
 * one object instead of a dozen arguments): affine weight and bias (C each, null without affine),
 * their gradients (null to skip), running mean and variance (C), the batch counter (one element),
 * eps and momentum. Immutable.
 *
 * @param gamma weight (C), or null
 * @param beta bias (C), or null
 * @param gammaGrad weight gradient, or null
 * @param betaGrad bias gradient, or null
 * @param runningMean running mean (C)
 * @param runningVar running variance (C)
 * @param tracked batches seen (1)
 * @param eps added to the variance
 * @param momentum weight of the new statistics in the running ones
 * @param relu whether a ReLU follows, fused: forward writes {@code max(0, y)} and backward passes
 *     the gradient only where that output is positive
 */
public record BatchNormArgs(
        Tensor gamma,
        Tensor beta,
        Tensor gammaGrad,
        Tensor betaGrad,
        Tensor runningMean,
        Tensor runningVar,
        Tensor tracked,
        float eps,
        float momentum,
        boolean relu) {
    /** Channels. */
    public int channels() {
        return (int) runningMean.size();
    }
}
