package dev.vtrain.nn.loss;

import dev.vtrain.backend.Backend;
import dev.vtrain.tensor.Tensor;

/**
 * Mean squared error over every element, as PyTorch's {@code nn.MSELoss()} (mean reduction).
 * Stateless; any thread may hold it, and {@link #compute} runs on the thread using the backend it
 * is given.
 */
public final class MSELoss implements Loss {
    @Override
    public int targetWidth(int outFeatures) {
        return outFeatures;
    }

    @Override
    public double meanDivisor(long samples, int outFeatures) {
        return (double) samples * outFeatures;
    }

    @Override
    public void compute(
            Backend backend, Tensor output, Tensor target, Tensor gradOutput, Tensor lossSum) {
        long n = output.size();
        backend.squaredError(output, target, gradOutput, n == 0 ? 0f : (float) (1.0 / n), lossSum);
    }

    @Override
    public String toString() {
        return "MSELoss()";
    }
}
