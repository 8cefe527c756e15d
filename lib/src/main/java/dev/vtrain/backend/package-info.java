/**
 * The compute contract. {@link dev.vtrain.backend.Backend} is the core every model needs (memory,
 * copies, fills, GEMM, the dense layer's fused forward and backward, element-wise ops, losses and
 * the fused optimizer updates); op families extend it: {@link dev.vtrain.backend.ConvOps}
 * (convolution lowering and pooling on channels-last images) and {@link dev.vtrain.backend.NormOps}
 * (batch normalisation). A backend that lacks a family returns null and a model that needs it fails
 * when it is built, naming the family, so a device backend can be built family by family. Every
 * family has a scalar reference ({@code .scalar}), a Vector API implementation ({@code .cpu}) and
 * an agreement test; outputs come first and per-layer settings travel in small immutable argument
 * records ({@link dev.vtrain.backend.ConvGeometry}, {@link dev.vtrain.backend.PoolGeometry}, {@link
 * dev.vtrain.backend.BatchNormArgs}). {@link dev.vtrain.backend.Backends} chooses an implementation
 * and says why.
 */
package dev.vtrain.backend;
