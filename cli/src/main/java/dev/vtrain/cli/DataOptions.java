package dev.vtrain.cli;

import java.util.Locale;
import picocli.CommandLine.Option;

/** Where the data comes from, what the task is, and how it is split and scaled. */
final class DataOptions {
    @Option(
            names = "--data",
            defaultValue = "digits",
            paramLabel = "DATA",
            description =
                    "digits (embedded), fashion-mnist (/usr/share/datasets/fashion-mnist), a directory of IDX files,"
                            + " a CSV file with a header row, or text for a character-level language model: shakespeare"
                            + " (embedded Tiny Shakespeare) or a UTF-8 .txt file (default: ${DEFAULT-VALUE}).")
    String data;

    @Option(
            names = "--label-column",
            paramLabel = "NAME",
            description =
                    "CSV column holding the label or target (default: label/target/class/y, else the last column).")
    String labelColumn;

    @Option(
            names = "--task",
            defaultValue = "classification",
            description =
                    "classification (cross-entropy, class labels) or regression (MSE, numeric target; CSV only)"
                            + " (default: ${DEFAULT-VALUE}).")
    String task;

    @Option(
            names = "--val-split",
            defaultValue = "0.1",
            description = "Fraction held out for validation (default: ${DEFAULT-VALUE}).")
    double valSplit;

    @Option(
            names = "--test-split",
            defaultValue = "0.2",
            description =
                    "Fraction held out for testing when the data is one file (default: ${DEFAULT-VALUE}).")
    double testSplit;

    @Option(
            names = "--scaling",
            defaultValue = "auto",
            description =
                    "auto, standardize, min-max, divide-255 or none, fitted on training data (default: ${DEFAULT-VALUE}:"
                            + " divide-255 for images, standardize otherwise).")
    String scaling;

    @Option(
            names = "--target-scaling",
            defaultValue = "standardize",
            description =
                    "Regression only: standardize, min-max or none, fitted on the training targets; predictions are"
                            + " mapped back to the targets' units (default: ${DEFAULT-VALUE}).")
    String targetScaling;

    /** Whether the data is text for a language model (shakespeare or a .txt file). */
    boolean text() {
        return data.equalsIgnoreCase("shakespeare")
                || data.toLowerCase(Locale.ROOT).endsWith(".txt");
    }

    boolean regression() {
        return switch (task.toLowerCase(Locale.ROOT)) {
            case "classification" -> false;
            case "regression" -> true;
            default ->
                    throw new IllegalArgumentException(
                            "Invalid --task '"
                                    + task
                                    + "' (expected classification or regression)");
        };
    }

    /**
     * Checks the task, splits and scaling before any data is read.
     *
     * @throws IllegalArgumentException naming the flag
     */
    void validate() {
        regression();
        if (!(valSplit >= 0 && valSplit < 1)
                || !(testSplit >= 0 && testSplit < 1)
                || valSplit + testSplit >= 1) {
            throw new IllegalArgumentException(
                    "Invalid --val-split "
                            + valSplit
                            + " / --test-split "
                            + testSplit
                            + " (each in [0, 1), together below 1)");
        }
        if (!scaling.equals("auto")) {
            dev.vtrain.data.FeatureScaling.Kind.parse(scaling);
        }
    }

    PreparedData.Request request(long seed) {
        return new PreparedData.Request(
                data,
                labelColumn,
                valSplit,
                testSplit,
                scaling,
                seed,
                regression(),
                null,
                null,
                targetScaling);
    }
}
