package dev.vtrain.optim;

/**
 * Hyperparameter validation with PyTorch's wording: {@code Invalid beta1: 1.2 (must be in [0, 1))}.
 */
final class Hyper {
    private Hyper() {}

    static float nonNegative(String name, float v) {
        if (!(v >= 0f) || Float.isInfinite(v)) {
            throw new IllegalArgumentException(
                    "Invalid " + name + ": " + v + " (must be a finite value ≥ 0)");
        }
        return v;
    }

    static float unitInterval(String name, float v) {
        if (!(v >= 0f && v < 1f)) {
            throw new IllegalArgumentException(
                    "Invalid " + name + ": " + v + " (must be in [0, 1))");
        }
        return v;
    }

    static float closedUnit(String name, float v) {
        if (!(v >= 0f && v <= 1f)) {
            throw new IllegalArgumentException(
                    "Invalid " + name + ": " + v + " (must be in [0, 1])");
        }
        return v;
    }
}
