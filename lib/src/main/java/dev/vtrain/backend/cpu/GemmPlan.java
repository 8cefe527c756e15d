package dev.vtrain.backend.cpu;

/**
 * Chooses between the packed SGEMM ({@link PackedGemm}) and the unpacked register-tile kernels
 * ({@link VectorGemm}) for a problem shape.
 */
final class GemmPlan {
    /**
     * Smallest m, n and k the packed path takes in {@link GemmStrategy#AUTO}. Measured with {@code
     * GemmBench} (AVX-512, 1 and 2 threads): below 64 in any dimension, packing costs more than it
     * saves (batch 32 products, k = 32 weight gradients); from 128 up, packed wins by 1.1–1.5×.
     */
    static final int MIN_PACKED = 64;

    private GemmPlan() {}

    /** Whether {@code C[m, n] = op(A)[m, k] · op(B)[k, n]} takes the packed path. */
    static boolean packed(GemmStrategy strategy, int m, int n, int k) {
        return switch (strategy) {
            case PACKED -> true;
            case UNPACKED -> false;
            case AUTO -> m >= MIN_PACKED && n >= MIN_PACKED && k >= MIN_PACKED;
        };
    }
}
