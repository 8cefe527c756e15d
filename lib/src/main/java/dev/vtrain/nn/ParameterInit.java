package dev.vtrain.nn;

import java.util.random.RandomGenerator;

/**
 * Fills a parameter's initial values (row-major, PyTorch layout) from a seeded generator. The model
 * calls it on the thread that builds the model; the initialisers made here are stateless, so any
 * thread may use them.
 */
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

    /** Normal with mean 0 and standard deviation {@code std} (PyTorch's {@code normal_}). */
    static ParameterInit normal(double std) {
        return (values, rng) -> {
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) (rng.nextGaussian() * std);
            }
        };
    }

    /** Every element {@code value} (layer norm's ones and zeros). */
    static ParameterInit constant(float value) {
        return (values, rng) -> java.util.Arrays.fill(values, value);
    }
}
