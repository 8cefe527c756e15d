package dev.vtrain.cli;

import dev.vtrain.optim.schedule.ReduceLROnPlateau;
import dev.vtrain.optim.schedule.Schedule;
import dev.vtrain.train.Monitor;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * The learning-rate schedule. Durations are given in epochs (fractions allowed) and converted to
 * optimizer steps, so schedules run per step: step and multi-step change rate at epoch boundaries
 * exactly as PyTorch stepped once per epoch would; cosine, linear and polynomial move smoothly
 * within epochs.
 */
final class ScheduleOptions {
    @Option(
            names = "--lr-schedule",
            defaultValue = "constant",
            description =
                    "constant, step, multistep, exponential, linear, polynomial or cosine (default: ${DEFAULT-VALUE}).")
    String schedule;

    @Option(
            names = "--step-size",
            defaultValue = "10",
            description = "step: epochs between decays (default: ${DEFAULT-VALUE}).")
    double stepSize;

    @Option(
            names = "--milestones",
            split = ",",
            description = "multistep: epochs at which to decay, e.g. 10,20.")
    double[] milestones = new double[0];

    @Option(
            names = "--gamma",
            defaultValue = "0.1",
            description =
                    "Decay factor for step/multistep (per milestone) and exponential (per epoch) (default: ${DEFAULT-VALUE}).")
    double gamma;

    @Option(
            names = "--t-max",
            description =
                    "cosine: epochs of one half-period; linear/polynomial: epochs to the end value"
                            + " (default: the training epochs minus warm-up).")
    Double tMax;

    @Option(
            names = "--eta-min",
            defaultValue = "0",
            description = "cosine: minimum learning rate (default: ${DEFAULT-VALUE}).")
    double etaMin;

    @Option(
            names = "--end-factor",
            defaultValue = "0",
            description = "linear: final factor on the rate (default: ${DEFAULT-VALUE}).")
    double endFactor;

    @Option(
            names = "--power",
            defaultValue = "1",
            description = "polynomial: power (default: ${DEFAULT-VALUE}).")
    double power;

    @Option(
            names = "--warmup-epochs",
            defaultValue = "0",
            description =
                    "Linear warm-up in epochs before the schedule (fractions allowed) (default: ${DEFAULT-VALUE}).")
    double warmupEpochs;

    @Option(
            names = "--warmup-start-factor",
            defaultValue = "0.1",
            description = "Warm-up starts at this factor of the rate (default: ${DEFAULT-VALUE}).")
    double warmupStartFactor;

    @Option(
            names = "--plateau",
            description = "Reduce the rate when --plateau-monitor stops improving.")
    boolean plateau;

    @Option(
            names = "--plateau-monitor",
            defaultValue = "val_loss",
            description =
                    "val_loss, val_accuracy, train_loss or train_accuracy (default: ${DEFAULT-VALUE}).")
    String plateauMonitor;

    @Option(
            names = "--plateau-factor",
            defaultValue = "0.1",
            description = "Factor per reduction (default: ${DEFAULT-VALUE}).")
    double plateauFactor;

    @Option(
            names = "--plateau-patience",
            defaultValue = "10",
            description = "Epochs without improvement before reducing (default: ${DEFAULT-VALUE}).")
    int plateauPatience;

    @Option(
            names = "--plateau-threshold",
            defaultValue = "1e-4",
            description = "Relative improvement that counts (default: ${DEFAULT-VALUE}).")
    double plateauThreshold;

    @Option(
            names = "--plateau-cooldown",
            defaultValue = "0",
            description = "Epochs to wait after a reduction (default: ${DEFAULT-VALUE}).")
    int plateauCooldown;

    @Option(
            names = "--min-lr",
            defaultValue = "0",
            description =
                    "Floor for plateau reductions; for text training, the cosine schedule's end (default: ${DEFAULT-VALUE}).")
    double minLr;

    private static long steps(double epochs, int stepsPerEpoch) {
        return Math.max(1, Math.round(epochs * stepsPerEpoch));
    }

    Schedule build(double lr, int epochs, int stepsPerEpoch) {
        if (warmupEpochs < 0) {
            throw new IllegalArgumentException(
                    "Invalid --warmup-epochs " + warmupEpochs + " (must be ≥ 0)");
        }
        long warmup = warmupEpochs == 0 ? 0 : steps(warmupEpochs, stepsPerEpoch);
        long remaining = Math.max(1, (long) epochs * stepsPerEpoch - warmup);
        long horizon = tMax != null ? steps(tMax, stepsPerEpoch) : remaining;
        Schedule main =
                switch (schedule.toLowerCase(Locale.ROOT)) {
                    case "constant" -> Schedule.constant(lr);
                    case "step" -> Schedule.step(lr, steps(stepSize, stepsPerEpoch), gamma);
                    case "multistep" -> {
                        long[] m = new long[milestones.length];
                        for (int i = 0; i < m.length; i++) {
                            m[i] = steps(milestones[i], stepsPerEpoch);
                        }
                        yield Schedule.multiStep(lr, m, gamma);
                    }
                    case "exponential" ->
                            Schedule.exponential(lr, Math.pow(gamma, 1.0 / stepsPerEpoch));
                    case "linear" -> Schedule.linear(lr, 1.0, endFactor, horizon);
                    case "polynomial" -> Schedule.polynomial(lr, horizon, power);
                    case "cosine" -> Schedule.cosine(lr, horizon, etaMin);
                    default ->
                            throw new IllegalArgumentException(
                                    "Invalid --lr-schedule '"
                                            + schedule
                                            + "' (expected constant, step, multistep, exponential, linear, polynomial or cosine)");
                };
        return Schedule.withWarmup(main, warmup, warmupStartFactor);
    }

    /**
     * The schedule of a text run, in iterations: constant, cosine (to --min-lr, else --eta-min) or
     * linear over the iterations after warm-up, with nanoGPT's warm-up from lr/(N+1).
     */
    Schedule buildIterations(double lr, int iters, int warmupIters, boolean minLrGiven) {
        long remaining = Math.max(1, (long) iters - warmupIters);
        double floor = minLrGiven ? minLr : etaMin;
        Schedule main =
                switch (schedule.toLowerCase(Locale.ROOT)) {
                    case "constant" -> Schedule.constant(lr);
                    case "cosine" -> {
                        Schedule c = Schedule.cosine(lr, remaining, floor);
                        yield t -> t >= remaining ? floor : c.lr(t);
                    }
                    case "linear" -> Schedule.linear(lr, 1.0, endFactor, remaining);
                    default ->
                            throw new IllegalArgumentException(
                                    "Invalid --lr-schedule '"
                                            + schedule
                                            + "' for text training (expected constant, cosine or linear)");
                };
        return Schedule.withWarmup(main, warmupIters, 1.0 / (warmupIters + 1));
    }

    ReduceLROnPlateau plateau() {
        if (!plateau) {
            return null;
        }
        Monitor m = Monitor.of(plateauMonitor);
        return new ReduceLROnPlateau(
                m.lowerIsBetter() ? ReduceLROnPlateau.Mode.MIN : ReduceLROnPlateau.Mode.MAX,
                plateauFactor,
                plateauPatience,
                plateauThreshold,
                true,
                plateauCooldown,
                minLr);
    }

    String describe() {
        String s = schedule.toLowerCase(Locale.ROOT);
        if (warmupEpochs > 0) {
            s = "warm-up " + warmupEpochs + " epochs, then " + s;
        }
        return plateau ? s + " + reduce-on-plateau(" + plateauMonitor + ")" : s;
    }
}
