package dev.vtrain.backend;

/**
 * AdaGrad's fixed hyperparameter. Immutable; any thread may use it.
 *
 * @param eps added to the denominator
 */
public record AdagradRule(float eps) {}
