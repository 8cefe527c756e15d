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
    /** Always the unpacked register-tile kernels that read both operands in place. */
    UNPACKED
}
