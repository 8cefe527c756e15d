package dev.vtrain.backend;

/**
 * SGD's fixed hyperparameters, as PyTorch names them. Immutable; any thread may use it.
 *
 * @param momentum momentum factor (0: none)
 * @param dampening dampening of the momentum
 * @param nesterov Nesterov momentum
 */
public record SgdRule(float momentum, float dampening, boolean nesterov) {}
