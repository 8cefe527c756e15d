package dev.vtrain.optim.schedule;

import java.util.Arrays;

/**
 * A learning rate as a pure function of the step t = 0, 1, 2, … (the number of updates already
 * taken). The closed forms equal what PyTorch's schedulers report after t calls of {@code step()}.
 * The schedules made here are immutable, so any thread may call them; the trainer calls {@link #lr}
 * on the training thread.
 */
@FunctionalInterface
public interface Schedule {
    /** The learning rate for update number t + 1. */
    double lr(long t);

    /** A constant rate. */
    static Schedule constant(double lr) {
        positive("learning rate", lr);
        return t -> lr;
    }

    /** PyTorch {@code StepLR}: {@code lr · gamma^floor(t / stepSize)}. */
    static Schedule step(double lr, long stepSize, double gamma) {
        positive("learning rate", lr);
        if (stepSize < 1) {
            throw new IllegalArgumentException("Invalid step size: " + stepSize + " (must be ≥ 1)");
        }
        positive("gamma", gamma);
        return t -> lr * Math.pow(gamma, (double) Math.floorDiv(t, stepSize));
    }

    /** PyTorch {@code MultiStepLR}: {@code lr · gamma^(number of milestones ≤ t)}. */
    static Schedule multiStep(double lr, long[] milestones, double gamma) {
        positive("learning rate", lr);
        positive("gamma", gamma);
        long[] m = milestones.clone();
        Arrays.sort(m);
        return t -> {
            int passed = 0;
            for (long x : m) {
                if (x <= t) {
                    passed++;
                }
            }
            return lr * Math.pow(gamma, passed);
        };
    }

    /** PyTorch {@code ExponentialLR}: {@code lr · gamma^t}. */
    static Schedule exponential(double lr, double gamma) {
        positive("learning rate", lr);
        positive("gamma", gamma);
        return t -> lr * Math.pow(gamma, (double) t);
    }

    /**
     * PyTorch {@code LinearLR}: the factor moves linearly from {@code startFactor} to {@code
     * endFactor} over {@code totalIters} steps, then stays.
     */
    static Schedule linear(double lr, double startFactor, double endFactor, long totalIters) {
        positive("learning rate", lr);
        if (!(startFactor > 0 && startFactor <= 1) || !(endFactor >= 0 && endFactor <= 1)) {
            throw new IllegalArgumentException(
                    "Invalid linear factors "
                            + startFactor
                            + " → "
                            + endFactor
                            + " (start in (0, 1], end in [0, 1])");
        }
        iters(totalIters);
        return t ->
                lr
                        * (startFactor
                                + (endFactor - startFactor) * Math.min(t, totalIters) / totalIters);
    }

    /** PyTorch {@code PolynomialLR}: {@code lr · (1 - min(t, total) / total)^power}. */
    static Schedule polynomial(double lr, long totalIters, double power) {
        positive("learning rate", lr);
        iters(totalIters);
        if (!(power >= 0)) {
            throw new IllegalArgumentException("Invalid power: " + power + " (must be ≥ 0)");
        }
        return t -> lr * Math.pow(1.0 - (double) Math.min(t, totalIters) / totalIters, power);
    }

    /**
     * PyTorch {@code CosineAnnealingLR} (closed form): {@code etaMin + (lr - etaMin)(1 + cos(π t /
     * tMax)) / 2}.
     */
    static Schedule cosine(double lr, long tMax, double etaMin) {
        positive("learning rate", lr);
        iters(tMax);
        if (!(etaMin >= 0)) {
            throw new IllegalArgumentException("Invalid eta_min: " + etaMin + " (must be ≥ 0)");
        }
        return t -> etaMin + (lr - etaMin) * (1 + Math.cos(Math.PI * t / tMax)) / 2;
    }

    /**
     * A linear warm-up composed with {@code after}, as PyTorch's {@code
     * SequentialLR([LinearLR(start, 1, warmup), after], milestones=[warmup])}: for {@code t <
     * warmup} the rate is {@code after.lr(0) · (startFactor + (1 - startFactor) t / warmup)}, then
     * {@code after.lr(t - warmup)}.
     */
    static Schedule withWarmup(Schedule after, long warmupSteps, double startFactor) {
        if (warmupSteps < 0) {
            throw new IllegalArgumentException(
                    "Invalid warm-up steps: " + warmupSteps + " (must be ≥ 0)");
        }
        if (!(startFactor > 0 && startFactor <= 1)) {
            throw new IllegalArgumentException(
                    "Invalid warm-up start factor: " + startFactor + " (must be in (0, 1])");
        }
        if (warmupSteps == 0) {
            return after;
        }
        double base = after.lr(0);
        return t ->
                t < warmupSteps
                        ? base * (startFactor + (1 - startFactor) * t / warmupSteps)
                        : after.lr(t - warmupSteps);
    }

    private static void positive(String what, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(
                    "Invalid " + what + ": " + v + " (must be a finite value ≥ 0)");
        }
    }

    private static void iters(long n) {
        if (n < 1) {
            throw new IllegalArgumentException("Invalid total iterations: " + n + " (must be ≥ 1)");
        }
    }
}
