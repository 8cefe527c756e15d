package dev.vtrain.backend;

/**
 * AdaGrad's fixed hyperparameter.
 *
 * @param eps added to the denominator
 */
public record AdagradRule(float eps) {}
