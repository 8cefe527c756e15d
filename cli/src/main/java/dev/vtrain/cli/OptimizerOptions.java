package dev.vtrain.cli;

import dev.vtrain.nn.Model;
import dev.vtrain.optim.Adagrad;
import dev.vtrain.optim.Adam;
import dev.vtrain.optim.AdamW;
import dev.vtrain.optim.Optimizer;
import dev.vtrain.optim.ParamGroup;
import dev.vtrain.optim.RMSprop;
import dev.vtrain.optim.SGD;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;

/** The optimizer and its hyperparameters (PyTorch names and defaults). */
final class OptimizerOptions {
    @Option(
            names = "--optimizer",
            defaultValue = "adam",
            description = "sgd, adam, adamw, rmsprop or adagrad (default: ${DEFAULT-VALUE}).")
    String optimizer;

    @Option(
            names = "--lr",
            defaultValue = "1e-3",
            description = "Learning rate (default: ${DEFAULT-VALUE}).")
    float lr;

    @Option(
            names = "--momentum",
            description = "Momentum for sgd (default 0.9) and rmsprop (default 0).")
    Float momentum;

    @Option(
            names = "--dampening",
            defaultValue = "0",
            description = "SGD dampening (default: ${DEFAULT-VALUE}).")
    float dampening;

    @Option(names = "--nesterov", description = "Nesterov momentum for sgd.")
    boolean nesterov;

    @Option(
            names = "--weight-decay",
            description =
                    "L2 weight decay; coupled for sgd/adam/rmsprop/adagrad, decoupled for"
                            + " adamw (default 0, adamw 0.01).")
    Float weightDecay;

    @Option(
            names = "--decay-biases",
            description = "Apply weight decay to biases too (default: weights only).")
    boolean decayBiases;

    @Option(
            names = "--beta1",
            defaultValue = "0.9",
            description = "Adam beta1 (default: ${DEFAULT-VALUE}).")
    float beta1;

    @Option(
            names = "--beta2",
            defaultValue = "0.999",
            description = "Adam beta2 (default: ${DEFAULT-VALUE}).")
    float beta2;

    @Option(
            names = "--eps",
            description = "Epsilon (default: adam/adamw/rmsprop 1e-8, adagrad 1e-10).")
    Float eps;

    @Option(
            names = "--alpha",
            defaultValue = "0.99",
            description = "RMSprop smoothing constant (default: ${DEFAULT-VALUE}).")
    float alpha;

    @Option(names = "--centered", description = "Centered RMSprop.")
    boolean centered;

    @Option(
            names = "--lr-decay",
            defaultValue = "0",
            description = "AdaGrad learning-rate decay (default: ${DEFAULT-VALUE}).")
    float lrDecay;

    @Option(
            names = "--initial-accumulator",
            defaultValue = "0",
            description = "AdaGrad initial accumulator value (default: ${DEFAULT-VALUE}).")
    float initialAccumulator;

    String name() {
        String n = optimizer.toLowerCase(Locale.ROOT);
        if (!List.of("sgd", "adam", "adamw", "rmsprop", "adagrad").contains(n)) {
            throw new IllegalArgumentException(
                    "Invalid --optimizer '"
                            + optimizer
                            + "' (expected sgd, adam, adamw, rmsprop or adagrad)");
        }
        return n;
    }

    Optimizer build(Model model) {
        String n = name();
        float wd = weightDecay != null ? weightDecay : (n.equals("adamw") ? 0.01f : 0f);
        List<ParamGroup> groups =
                decayBiases ? ParamGroup.single(model, wd) : ParamGroup.defaults(model, wd);
        return switch (n) {
            case "sgd" ->
                    new SGD(
                            model,
                            lr,
                            momentum == null ? 0.9f : momentum,
                            dampening,
                            nesterov,
                            groups);
            case "adam" ->
                    new Adam(model, lr, beta1, beta2, eps == null ? 1e-8f : eps, false, groups);
            case "adamw" -> new AdamW(model, lr, beta1, beta2, eps == null ? 1e-8f : eps, groups);
            case "rmsprop" ->
                    new RMSprop(
                            model,
                            lr,
                            alpha,
                            eps == null ? 1e-8f : eps,
                            momentum == null ? 0f : momentum,
                            centered,
                            groups);
            default ->
                    new Adagrad(
                            model,
                            lr,
                            lrDecay,
                            initialAccumulator,
                            eps == null ? 1e-10f : eps,
                            groups);
        };
    }
}
