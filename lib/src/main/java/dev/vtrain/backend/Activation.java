package dev.vtrain.backend;

/**
 * Element-wise activation functions a backend implements, forward and backward. Immutable; any
 * thread may use it.
 */
public enum Activation {
    /** {@code max(x, 0)}; backward passes the gradient where the output is positive. */
    RELU,
    /** {@code 1 / (1 + exp(-x))}; backward multiplies by {@code y (1 - y)}. */
    SIGMOID,
    /** {@code tanh(x)}; backward multiplies by {@code 1 - y²}. */
    TANH
}
