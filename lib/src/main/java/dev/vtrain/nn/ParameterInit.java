package dev.vtrain.nn;

import java.util.random.RandomGenerator;

/** Fills a parameter's initial values (row-major, PyTorch layout) from a seeded generator. */
@FunctionalInterface
public interface ParameterInit {
    /** Overwrites {@code values} with initial values drawn from {@code rng}. */
    void fill(float[] values, RandomGenerator rng);

    /** Uniform in [-bound, bound): PyTorch's {@code Linear} init uses bound = 1/√fan_in. */
    static ParameterInit uniform(double bound) {
        return (values, rng) -> {
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
            }
        };
    }
}
