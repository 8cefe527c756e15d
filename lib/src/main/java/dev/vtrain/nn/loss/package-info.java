/**
 * Loss functions with PyTorch's names and mean reduction: {@link
 * dev.vtrain.nn.loss.CrossEntropyLoss} (fused softmax, integer class labels) and {@link
 * dev.vtrain.nn.loss.MSELoss}. A loss accumulates its summed value into a device scalar, so a
 * training loop reads the loss back once per epoch, not once per step.
 */
package dev.vtrain.nn.loss;
