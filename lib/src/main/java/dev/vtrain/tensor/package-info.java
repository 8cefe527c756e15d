/**
 * Tensors and memory: {@link dev.vtrain.tensor.Tensor} is a contiguous row-major float32 view
 * (storage + offset + shape) of a {@link dev.vtrain.tensor.Storage}, which is either host memory (a
 * 64-byte aligned off-heap {@link java.lang.foreign.MemorySegment}) or memory a backend owns
 * elsewhere (a device). {@link dev.vtrain.tensor.SlabPlan} plans many tensors into one allocation.
 * This package holds no math: every operation on tensor contents goes through a {@link
 * dev.vtrain.backend.Backend}.
 */
package dev.vtrain.tensor;
