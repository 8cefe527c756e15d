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

    /**
     * Smallest m, n and k that {@link HeapTileGemm} takes in {@link GemmStrategy#AUTO} where it is
     * preferred. Measured on Zen 3 (AVX2, 1 thread, both kernels alternating in one JVM, medians):
     * it beat the unpacked kernels from 16 × 64 × 64 (29 against 21 GFLOP/s) and 32 × 128 × 784 ·
     * Wᵀ (32 against 20) up, and tied them at k = 10.
     */
    static final int MIN_SMALL_TILE = 16;

    private GemmPlan() {}

    /** Whether {@code C[m, n] = op(A)[m, k] · op(B)[k, n]} takes the packed path. */
    static boolean packed(GemmStrategy strategy, int m, int n, int k) {
        return switch (strategy) {
            case PACKED, PACKED_SMALL_TILE -> true;
            case UNPACKED -> false;
            case AUTO ->
                    HeapTileGemm.PREFERRED
                            ? m >= MIN_SMALL_TILE && n >= MIN_SMALL_TILE && k >= MIN_SMALL_TILE
                            : m >= MIN_PACKED && n >= MIN_PACKED && k >= MIN_PACKED;
        };
    }
}
