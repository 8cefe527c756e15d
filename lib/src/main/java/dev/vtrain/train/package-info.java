/**
 * The training loop: {@link dev.vtrain.train.Trainer} runs epochs of forward, loss, backward and
 * optimizer steps over a {@link dev.vtrain.data.DataLoader}, evaluates on validation data after
 * each epoch and records a {@link dev.vtrain.train.History}. A step allocates nothing once every
 * batch size has been seen.
 */
package dev.vtrain.train;
