/**
 * The compute contract: {@link dev.vtrain.backend.Backend} holds every operation layers, losses and
 * optimizers use, and {@link dev.vtrain.backend.Backends} chooses an implementation (scalar
 * reference, Vector API CPU) and says why. Layers never touch tensor memory directly, so a backend
 * whose tensors live on a device implements the same interface.
 */
package dev.vtrain.backend;
