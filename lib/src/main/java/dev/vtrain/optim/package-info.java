/**
 * Optimizers with PyTorch's hyperparameter names and update rules: {@link dev.vtrain.optim.SGD}
 * (momentum, dampening, Nesterov, weight decay) and {@link dev.vtrain.optim.Adam} (with AdamW's
 * decoupled weight decay as an option). State is allocated eagerly, in slabs with the model's
 * parameter layout, and every step is one fused pass over them.
 */
package dev.vtrain.optim;
