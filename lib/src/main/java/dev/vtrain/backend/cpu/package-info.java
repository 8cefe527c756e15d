/**
 * The Vector API CPU backend: species-agnostic SIMD kernels over off-heap memory ({@link
 * dev.vtrain.backend.cpu.VectorGemm}, {@link dev.vtrain.backend.cpu.VectorOps}, {@link
 * dev.vtrain.backend.cpu.VectorUpdates}) and the single place where work is split across threads
 * ({@link dev.vtrain.backend.cpu.Parallel}). This is the only package that imports {@code
 * jdk.incubator.vector}; nothing here loads unless {@link dev.vtrain.backend.Backends} has checked
 * that the module is present.
 */
package dev.vtrain.backend.cpu;
