/**
 * The {@code vtrain} command: {@code train} (an MLP from {@code --hidden}, or any network from
 * {@code --model}), {@code eval}, {@code predict}, {@code info} and {@code bench} over the library,
 * with terminal progress, a JSON run report, checkpoints and resume, and one-line errors for bad
 * flags and data.
 */
package dev.vtrain.cli;
