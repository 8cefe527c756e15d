package dev.vtrain.cli;

import picocli.CommandLine.Option;

/** The MLP's shape. */
final class ModelOptions {
    @Option(
            names = "--hidden",
            defaultValue = "128",
            paramLabel = "SIZES",
            description =
                    "Hidden layer sizes, comma-separated, e.g. 256,128; 'none' for a linear model (default: ${DEFAULT-VALUE}).")
    String hidden;

    @Option(
            names = "--activation",
            defaultValue = "relu",
            description = "relu, sigmoid or tanh (default: ${DEFAULT-VALUE}).")
    String activation;

    @Option(
            names = "--dropout",
            defaultValue = "0",
            paramLabel = "P",
            description =
                    "Dropout probability after each hidden activation (default: ${DEFAULT-VALUE}).")
    float dropout;

    ModelSpec spec() {
        return ModelSpec.parse(hidden, activation, dropout);
    }
}
