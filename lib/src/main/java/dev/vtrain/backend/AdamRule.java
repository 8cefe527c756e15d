package dev.vtrain.backend;

/**
 * Adam's fixed hyperparameters. Immutable; any thread may use it.
 *
 * @param beta1 first-moment decay
 * @param beta2 second-moment decay
 * @param eps added to the denominator
 * @param decoupled AdamW's decoupled weight decay instead of L2 added to the gradient
 */
public record AdamRule(float beta1, float beta2, float eps, boolean decoupled) {}
