/**
 * The {@code vtrain} command: {@code train}, {@code eval} and {@code info} subcommands over the
 * library, with terminal progress, a JSON run report and one-line errors for bad flags and data.
 */
package dev.vtrain.cli;
