/**
 * Learning-rate schedules as pure functions of the (successful) optimizer step: {@link
 * dev.vtrain.optim.schedule.Schedule} gives PyTorch's closed forms (constant, step, multi-step,
 * exponential, linear, polynomial, cosine annealing) and a linear warm-up that composes with any of
 * them. {@link dev.vtrain.optim.schedule.ReduceLROnPlateau} is the one stateful piece: a monitor of
 * a validation metric whose factor multiplies the scheduled rate.
 */
package dev.vtrain.optim.schedule;
