/**
 * Model specifications: {@link dev.vtrain.nn.spec.SpecParser} reads the CLI's {@code --model}
 * strings (PyTorch module names in lower case with PyTorch's argument names, e.g. {@code
 * conv2d(32,3,padding=1),batchnorm2d,relu,maxpool2d(2),flatten,linear(10)}) into {@link
 * dev.vtrain.nn.spec.LayerCall}s, and {@link dev.vtrain.nn.spec.Layers}, the one factory, turns
 * those or a model file's JSON layer tree into layers, inferring input sizes from the input shape.
 * Errors name the position, what was expected and what was found.
 */
package dev.vtrain.nn.spec;
