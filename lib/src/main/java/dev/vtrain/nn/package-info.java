/**
 * Networks with PyTorch's names and semantics. Every node is a {@link dev.vtrain.nn.Layer}: leaves
 * ({@link dev.vtrain.nn.Linear} on the last dimension, {@link dev.vtrain.nn.Conv2d}, {@link
 * dev.vtrain.nn.Pool2d}, {@link dev.vtrain.nn.BatchNorm}, {@link dev.vtrain.nn.Flatten}, {@link
 * dev.vtrain.nn.Dropout}, activations) and containers ({@link dev.vtrain.nn.Sequential}, {@link
 * dev.vtrain.nn.Residual}), so blocks nest. A layer declares what it needs through a {@link
 * dev.vtrain.nn.Plan} (parameters, buffers, activations kept for backward, overlaid scratch, random
 * counters) and runs in a {@link dev.vtrain.nn.Step}. {@link dev.vtrain.nn.Model} is the root layer
 * plus its slabs (parameters, gradients with the same layout, buffers, activations, scratch),
 * allocated once for a maximum batch and freed by {@code close()}; it knows no concrete layer type.
 * {@link dev.vtrain.nn.Parameter}s carry their frozen and weight-decay flags and may be used by
 * several layers ({@link dev.vtrain.nn.ParameterUse}). Images are channels-last inside the model;
 * files use PyTorch's layouts. Every layer has a hand-written forward and backward; there is no
 * autograd tape. Build and train on one thread.
 */
package dev.vtrain.nn;
