package dev.vtrain.cli;

import dev.vtrain.io.Json;
import dev.vtrain.nn.Layer;
import dev.vtrain.nn.Sequential;
import dev.vtrain.nn.spec.Layers;
import dev.vtrain.tensor.Shape;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The network: an MLP shorthand ({@code --hidden}) or any layer list ({@code --model}). */
final class ModelOptions {
    @Option(
            names = "--model",
            paramLabel = "SPEC|FILE.json",
            description =
                    "Layers with PyTorch's module and argument names, comma-separated, input sizes inferred, e.g."
                            + " \"conv2d(32,3,padding=1),batchnorm2d,relu,maxpool2d(2),flatten,linear(10)\"; or a JSON layer"
                            + " tree as in a model file's vtrain.spec. Replaces --hidden/--activation/--dropout.")
    String model;

    @Option(
            names = "--input-shape",
            paramLabel = "C,H,W",
            description =
                    "Shape of one sample for --model (default: 1,H,W for image data, the feature count otherwise).")
    String inputShape;

    @Option(
            names = "--hidden",
            defaultValue = "128",
            paramLabel = "SIZES",
            description =
                    "MLP hidden layer sizes, comma-separated, e.g. 256,128; 'none' for a linear model (default: ${DEFAULT-VALUE}).")
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

    /** The sample shape the model is built for, given the data's. */
    Shape shape(Shape data) {
        if (model == null) {
            return Shape.of(data.size());
        }
        if (inputShape == null) {
            return data;
        }
        Shape s = parseShape(inputShape);
        if (s.size() != data.size()) {
            throw new IllegalArgumentException(
                    "--input-shape "
                            + s
                            + " has "
                            + s.size()
                            + " elements but the samples have "
                            + data.size()
                            + " features");
        }
        return s;
    }

    /**
     * An {@code --input-shape} value such as {@code 3,32,32}.
     *
     * @throws IllegalArgumentException naming the value and what was expected
     */
    static Shape parseShape(String inputShape) {
        String[] parts = inputShape.split(",", -1);
        int[] d = new int[parts.length];
        try {
            for (int i = 0; i < d.length; i++) {
                d[i] = Integer.parseInt(parts[i].trim());
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "Invalid --input-shape '" + inputShape + "': expected sizes such as 3,32,32");
        }
        try {
            return Shape.of(d);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "Invalid --input-shape '" + inputShape + "': " + e.getMessage(), e);
        }
    }

    /**
     * The network for samples of {@code input} and {@code outputs} outputs.
     *
     * @throws IllegalArgumentException if the spec is invalid or its output does not match
     */
    Layer build(Shape input, int outputs) {
        if (model == null) {
            Sequential mlp = spec().build(input.size(), outputs);
            return mlp;
        }
        Layer net;
        Path file = Path.of(model);
        if (model.endsWith(".json") && Files.isRegularFile(file)) {
            try {
                net =
                        Layers.fromJson(
                                Json.parse(Files.readString(file, StandardCharsets.UTF_8)), input);
            } catch (IOException e) {
                throw new UncheckedIOException(
                        "Cannot read --model " + file + ": " + e.getMessage(), e);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--model " + file + ": " + e.getMessage(), e);
            }
        } else {
            net = Layers.fromSpec(model, input);
        }
        Shape out = net.outputShape(input);
        if (out.rank() != 1 || out.size() != outputs) {
            throw new IllegalArgumentException(
                    "--model: the network maps "
                            + input
                            + " to "
                            + out
                            + " but the data needs ("
                            + outputs
                            + ",) outputs; end it with linear("
                            + outputs
                            + ")");
        }
        return net;
    }

    /** One line naming the network. */
    String describe(Shape input, int outputs) {
        return model == null
                ? spec().describe(input.size(), outputs)
                : "network " + model + " on " + input;
    }
}
