package dev.vtrain.cli;

import dev.vtrain.io.ModelFile;
import dev.vtrain.io.SafetensorsException;
import dev.vtrain.nn.Layer;
import dev.vtrain.nn.spec.Layers;
import dev.vtrain.tensor.Shape;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * Options shared by the commands that use a saved model ({@code eval}, {@code predict}): a vtrain
 * model file, or a plain PyTorch state_dict with its layers given by {@code --spec}.
 */
final class SavedModelOptions {
    @Option(
            names = "--model",
            required = true,
            paramLabel = "FILE.safetensors",
            description = "The saved model (vtrain's, or a plain PyTorch state_dict with --spec).")
    Path model;

    @Option(
            names = "--spec",
            paramLabel = "LAYERS",
            description =
                    "The layers of a plain PyTorch state_dict (as train --model, e.g."
                            + " 'linear(64),relu,linear(3)' for nn.Sequential(Linear, ReLU, Linear)); features"
                            + " are used unscaled.")
    String spec;

    @Option(
            names = "--input-shape",
            paramLabel = "C,H,W",
            description = "With --spec: one sample's shape (default: the data's).")
    String inputShape;

    @Option(
            names = "--classes",
            split = ",",
            paramLabel = "NAMES",
            description =
                    "With --spec: the class of each output, in order (default: the data's classes for eval,"
                            + " 0..n-1 for predict).")
    List<String> classes;

    @Option(names = "--threads", description = "Threads (default: all available processors).")
    Integer threads;

    int threadCount() {
        return ThreadCount.resolve(threads);
    }

    /**
     * Checks the flags that only apply with {@code --spec}.
     *
     * @throws UsageException if one is given without it
     */
    void validate() {
        if (spec == null && (inputShape != null || classes != null)) {
            throw new UsageException(
                    (inputShape != null ? "--input-shape" : "--classes")
                            + " describes a plain state_dict: give its layers with --spec too");
        }
        if (spec != null) {
            UsageException.wrap(() -> dev.vtrain.nn.spec.SpecParser.parse(spec));
        }
    }

    /** The vtrain model file named by {@code --model}. */
    ModelFile.Saved loadModelFile() {
        try {
            return ModelFile.load(model);
        } catch (SafetensorsException e) {
            if (e.getMessage().contains("a plain state_dict")) {
                throw new SafetensorsException(
                        e.getMessage() + ": add --spec LAYERS (and --classes) to use it");
            }
            throw e;
        }
    }

    /**
     * The plain state_dict named by {@code --model} with the {@code --spec} layers, for samples of
     * {@code dataShape} (unless {@code --input-shape} says otherwise) and these classes (empty:
     * regression).
     */
    ModelFile.Saved loadStateDict(Shape dataShape, List<String> classNames) {
        Shape input = inputShape == null ? dataShape : parseShape(inputShape);
        if (input.size() != dataShape.size()) {
            throw new IllegalArgumentException(
                    "--input-shape "
                            + input
                            + " has "
                            + input.size()
                            + " elements but the data has "
                            + dataShape.size()
                            + " features");
        }
        Layer net = Layers.fromSpec(spec, input);
        int outputs = net.outputShape(input).size();
        if (!classNames.isEmpty() && outputs != classNames.size()) {
            throw new IllegalArgumentException(
                    "--spec: the network has "
                            + outputs
                            + " outputs but there are "
                            + classNames.size()
                            + " classes "
                            + classNames
                            + " (give --classes, one name per output)");
        }
        return ModelFile.fromStateDict(model, net, input, classNames);
    }

    /** The {@code --classes} given, or 0..n-1 for the network's n outputs (one output: none). */
    List<String> classesOrIndices(Shape input) {
        if (classes != null) {
            return classes;
        }
        Shape in = inputShape == null ? input : parseShape(inputShape);
        int outputs = Layers.fromSpec(spec, in).outputShape(in).size();
        List<String> names = new ArrayList<>();
        for (int i = 0; outputs > 1 && i < outputs; i++) {
            names.add(Integer.toString(i));
        }
        return names;
    }

    private static Shape parseShape(String s) {
        try {
            return ModelOptions.parseShape(s);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
