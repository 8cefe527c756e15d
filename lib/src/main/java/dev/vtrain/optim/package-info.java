/**
 * Optimizers with PyTorch's hyperparameter names and update rules: {@link dev.vtrain.optim.SGD}
 * (momentum, dampening, Nesterov, weight decay), {@link dev.vtrain.optim.Adam}, {@link
 * dev.vtrain.optim.AdamW}, {@link dev.vtrain.optim.RMSprop} and {@link dev.vtrain.optim.Adagrad},
 * over {@link dev.vtrain.optim.ParamGroup}s of the model's trainable (not frozen) parameters, and
 * {@link dev.vtrain.optim.GradientClipping}. State is allocated eagerly, in slabs with the
 * parameter slab's layout, and every step is one fused pass per contiguous range, with weight decay
 * and the clip-by-norm factor folded in.
 */
package dev.vtrain.optim;
