package dev.vtrain.backend.cpu;

/**
 * Chooses between the packed SGEMM ({@link PackedGemm}) and the unpacked register-tile kernels
 * ({@link VectorGemm}) for a problem shape.
 */
final class GemmPlan {
    private GemmPlan() {}

    /** Whether {@code C[m, n] = op(A)[m, k] · op(B)[k, n]} takes the packed path. */
    static boolean packed(
            GemmStrategy strategy, int m, int n, int k, boolean transA, boolean transB) {
        return switch (strategy) {
            case PACKED -> true;
            case UNPACKED -> false;
            case AUTO -> m >= PackedGemm.MR && n >= PackedGemm.NR;
        };
    }
}
