/**
 * Layers and models with PyTorch names and semantics: {@link dev.vtrain.nn.Linear} (weight of shape
 * {@code (out, in)}, Kaiming-uniform init), {@link dev.vtrain.nn.ReLU}, {@link
 * dev.vtrain.nn.Sigmoid}, {@link dev.vtrain.nn.Tanh} and {@link dev.vtrain.nn.Sequential}. {@link
 * dev.vtrain.nn.Model} builds a network for a maximum batch size: one slab of parameters, one of
 * gradients with the same layout, one of activations, allocated once and freed by {@code close()}.
 * Every layer has a hand-written forward and backward; there is no autograd tape.
 */
package dev.vtrain.nn;
