package dev.vtrain.nn.loss;

import dev.vtrain.backend.Backend;
import dev.vtrain.tensor.Tensor;

/**
 * Softmax cross-entropy over logits with integer class targets, as PyTorch's {@code
 * nn.CrossEntropyLoss()} (mean reduction): softmax and log-likelihood fused in one stable pass.
 * Stateless; any thread may hold it, and {@link #compute} runs on the thread using the backend it
 * is given.
 */
public final class CrossEntropyLoss implements Loss {
    @Override
    public int targetWidth(int outFeatures) {
        return 1;
    }

    @Override
    public double meanDivisor(long samples, int outFeatures) {
        return samples;
    }

    @Override
    public void compute(
            Backend backend, Tensor output, Tensor target, Tensor gradOutput, Tensor lossSum) {
        int rows = output.rows();
        backend.softmaxCrossEntropy(
                output, target, gradOutput, rows == 0 ? 0f : 1f / rows, lossSum);
    }

    @Override
    public String toString() {
        return "CrossEntropyLoss()";
    }
}
