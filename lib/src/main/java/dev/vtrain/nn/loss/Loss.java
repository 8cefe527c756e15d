package dev.vtrain.nn.loss;

import dev.vtrain.backend.Backend;
import dev.vtrain.tensor.Tensor;

/**
 * A loss with mean reduction over a batch. Implementations may assume {@link #compute} is called by
 * the thread that trains or evaluates the model (the one using {@code backend}), one call at a
 * time; the losses here are stateless.
 */
public interface Loss {
    /** Floats per target row for a model with {@code outFeatures} outputs. */
    int targetWidth(int outFeatures);

    /**
     * Divisor that turns a summed loss over {@code samples} rows into the mean PyTorch reports
     * ({@code samples} for cross-entropy, {@code samples × outFeatures} for MSE).
     */
    double meanDivisor(long samples, int outFeatures);

    /**
     * Accumulates {@code lossSum[0] +=} the summed loss of {@code output} (batch × out) against
     * {@code target} (batch × {@link #targetWidth}); if {@code gradOutput} is not null, overwrites
     * it with the gradient of the batch-mean loss.
     */
    void compute(Backend backend, Tensor output, Tensor target, Tensor gradOutput, Tensor lossSum);
}
