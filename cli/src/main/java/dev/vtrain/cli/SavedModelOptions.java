package dev.vtrain.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options shared by the commands that use a saved model ({@code eval}, {@code predict}). */
final class SavedModelOptions {
    @Option(
            names = "--model",
            required = true,
            paramLabel = "FILE.safetensors",
            description = "The saved model.")
    Path model;

    @Option(names = "--threads", description = "Threads (default: all available processors).")
    Integer threads;

    int threadCount() {
        return ThreadCount.resolve(threads);
    }
}
