package dev.vtrain.backend.cpu;

/**
 * Which SGEMM implementation {@link CpuBackend} uses for a product. Immutable; any thread may use
 * it.
 */
public enum GemmStrategy {
    /** Chosen per shape: packed where packing pays for itself, unpacked for small problems. */
    AUTO,
    /** Always the packed, cache-blocked kernel (B packed into slivers, register-blocked tiles). */
    PACKED,
    /**
     * Always the packed kernel with a 4-row register tile and heap-array blocks, sized for 16
     * vector registers; {@link #AUTO} prefers it where vectors have 8 lanes (AVX2).
     */
    PACKED_SMALL_TILE,
    /** Always the unpacked register-tile kernels that read both operands in place. */
    UNPACKED
}
