package dev.vtrain.backend;

/**
 * RMSprop's fixed hyperparameters. Immutable; any thread may use it.
 *
 * @param alpha smoothing of the squared-gradient average
 * @param eps added to the denominator
 * @param momentum momentum factor (0: none)
 * @param centered normalise by the variance estimate instead of the raw second moment
 */
public record RmspropRule(float alpha, float eps, float momentum, boolean centered) {}
