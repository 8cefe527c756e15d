/**
 * The Vector API CPU backend: species-agnostic SIMD kernels over off-heap memory (the packed,
 * cache-blocked SGEMM with fused bias/activation epilogue {@link dev.vtrain.backend.cpu.PackedGemm}
 * for larger products, its 16-register variant {@link dev.vtrain.backend.cpu.HeapTileGemm} where
 * vectors have 8 lanes, the unpacked {@link dev.vtrain.backend.cpu.VectorGemm} for small ones,
 * chosen by {@link dev.vtrain.backend.cpu.GemmPlan}; {@link dev.vtrain.backend.cpu.VectorOps},
 * {@link dev.vtrain.backend.cpu.VectorUpdates}) and the single place where work is split across
 * threads ({@link dev.vtrain.backend.cpu.Parallel}). This is the only package that imports {@code
 * jdk.incubator.vector} (besides {@link dev.vtrain.backend.VectorProbe}, which uses it through this
 * backend); nothing here loads unless {@link dev.vtrain.backend.Backends} has checked that the
 * module is present.
 */
package dev.vtrain.backend.cpu;
