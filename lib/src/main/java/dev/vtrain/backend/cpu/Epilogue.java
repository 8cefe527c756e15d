package dev.vtrain.backend.cpu;

import dev.vtrain.backend.Activation;

/**
 * Codes for the element-wise step a GEMM applies to its result before writing it: none, or one of
 * the activations. Plain ints so kernels branch on a primitive.
 */
final class Epilogue {
    /** Write the product (plus bias) as is. */
    static final int NONE = 0;

    /** {@code max(x, 0)}. */
    static final int RELU = 1;

    /** {@code 1 / (1 + exp(-x))}. */
    static final int SIGMOID = 2;

    /** {@code tanh(x)}. */
    static final int TANH = 3;

    private Epilogue() {}

    /** The code for {@code f}, or {@link #NONE} for null. */
    static int of(Activation f) {
        if (f == null) {
            return NONE;
        }
        return switch (f) {
            case RELU -> RELU;
            case SIGMOID -> SIGMOID;
            case TANH -> TANH;
        };
    }
}
