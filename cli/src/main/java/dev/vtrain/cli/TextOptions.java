package dev.vtrain.cli;

import picocli.CommandLine.Option;

/** Iteration-based training for language models ({@code --data shakespeare} or a .txt file). */
final class TextOptions {
    @Option(
            names = "--iters",
            defaultValue = "2000",
            description =
                    "Text: training iterations (batches of random windows) (default: ${DEFAULT-VALUE}).")
    int iters;

    @Option(
            names = "--eval-every",
            defaultValue = "250",
            paramLabel = "ITERS",
            description =
                    "Text: evaluate every this many iterations, and after the last (0: only after the last)"
                            + " (default: ${DEFAULT-VALUE}).")
    int evalEvery;

    @Option(
            names = "--eval-iters",
            defaultValue = "20",
            paramLabel = "BATCHES",
            description =
                    "Text: fixed batches per split in each evaluation (default: ${DEFAULT-VALUE}).")
    int evalIters;

    @Option(
            names = "--warmup-iters",
            defaultValue = "0",
            description =
                    "Text: linear warm-up iterations before the schedule, from lr/(N+1) as nanoGPT's"
                            + " (default: ${DEFAULT-VALUE}).")
    int warmupIters;

    @Option(
            names = "--block",
            description =
                    "Text: characters per training window (default: the model's context, block=).")
    Integer block;

    void validate() {
        if (iters < 0) {
            throw new IllegalArgumentException("Invalid --iters " + iters + " (must be ≥ 0)");
        }
        if (evalEvery < 0) {
            throw new IllegalArgumentException(
                    "Invalid --eval-every " + evalEvery + " (must be ≥ 0)");
        }
        if (evalIters < 1) {
            throw new IllegalArgumentException(
                    "Invalid --eval-iters " + evalIters + " (must be ≥ 1)");
        }
        if (warmupIters < 0) {
            throw new IllegalArgumentException(
                    "Invalid --warmup-iters " + warmupIters + " (must be ≥ 0)");
        }
        if (block != null && block < 1) {
            throw new IllegalArgumentException("Invalid --block " + block + " (must be ≥ 1)");
        }
    }
}
