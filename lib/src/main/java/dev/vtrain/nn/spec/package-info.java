/**
 * Model specifications: the text of the CLI's {@code --model} option, a comma-separated list of
 * layer calls with PyTorch module names and argument names, such as {@code
 * conv2d(32,3,padding=1),batchnorm2d,relu,maxpool2d(2),flatten,linear(10)}. {@link
 * dev.vtrain.nn.spec.SpecParser} turns the text into {@link dev.vtrain.nn.spec.LayerCall}s, and
 * reports malformed text as a {@link dev.vtrain.nn.spec.SpecException} naming the character
 * position.
 */
package dev.vtrain.nn.spec;
