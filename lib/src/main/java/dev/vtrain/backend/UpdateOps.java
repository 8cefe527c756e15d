package dev.vtrain.backend;

import dev.vtrain.tensor.Tensor;

/**
 * The optimizer-update op family: one fused pass per contiguous slab range, PyTorch's update rules.
 * Outputs come first (the parameters and the optimizer state, overwritten), then the gradient
 * (read, never changed: the clip-by-norm factor {@link UpdateStep#gradScale()} is applied as it is
 * read), then the rule's fixed hyperparameters and the step's scalars. All tensors have the same
 * number of elements. Used by the backend's thread; allocates nothing per call.
 */
public interface UpdateOps {
    /**
     * SGD. With {@code d = gradScale · grad + weightDecay · param}: the momentum buffer (ignored,
     * may be null, when momentum is 0) becomes {@code d} on the first step, else {@code momentum ·
     * buf + (1 - dampening) · d}; {@code param -= lr · (nesterov ? d + momentum · buf : buf)} (or
     * {@code lr · d} without momentum).
     */
    void sgd(Tensor param, Tensor momentumBuffer, Tensor grad, SgdRule rule, UpdateStep step);

    /**
     * Adam and AdamW. {@code g = gradScale · grad}; coupled weight decay adds {@code weightDecay ·
     * param} to g, decoupled first multiplies param by {@code 1 - lr · weightDecay}. Then {@code m
     * += (1 - beta1)(g - m)}, {@code v = beta2 v + (1 - beta2) g²}, {@code param -= stepSize · m /
     * (sqrt(v) / bias2Sqrt + eps)} with the step's {@code stepSize = lr / (1 - beta1^t)} and {@code
     * bias2Sqrt = sqrt(1 - beta2^t)}.
     */
    void adam(Tensor param, Tensor m, Tensor v, Tensor grad, AdamRule rule, UpdateStep step);

    /**
     * RMSprop. With {@code g = gradScale · grad + weightDecay · param}: {@code sq = alpha · sq + (1
     * - alpha) g²}; centered: {@code ga += (1 - alpha)(g - ga)}, {@code avg = sqrt(sq - ga²) +
     * eps}, else {@code avg = sqrt(sq) + eps}; with momentum {@code buf = momentum · buf + g /
     * avg}, {@code param -= lr · buf}, else {@code param -= lr · g / avg}. {@code gradAvg} and
     * {@code momentumBuffer} may be null when not centered / without momentum.
     */
    void rmsprop(
            Tensor param,
            Tensor squareAvg,
            Tensor gradAvg,
            Tensor momentumBuffer,
            Tensor grad,
            RmspropRule rule,
            UpdateStep step);

    /**
     * AdaGrad. With {@code g = gradScale · grad + weightDecay · param}: {@code sum += g²}, {@code
     * param -= lr · g / (sqrt(sum) + eps)}, where the step's lr is already decayed ({@code lr / (1
     * + (t - 1) · lrDecay)}).
     */
    void adagrad(Tensor param, Tensor sum, Tensor grad, AdagradRule rule, UpdateStep step);
}
