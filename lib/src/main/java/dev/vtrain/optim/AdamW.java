package dev.vtrain.optim;

import dev.vtrain.nn.Model;
import java.util.List;

/**
 * AdamW as PyTorch's {@code torch.optim.AdamW}: Adam with decoupled weight decay ({@code p *= 1 -
 * lr · weightDecay} before the Adam update). PyTorch's default weight decay is 0.01. Not
 * thread-safe, like {@link Adam}: the thread that trains its model calls it, between steps.
 */
public final class AdamW extends Adam {
    /**
     * AdamW with PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, weight decay 0.01 (weights
     * only).
     */
    public AdamW(Model model, float lr) {
        this(model, lr, 0.9f, 0.999f, 1e-8f, 0.01f);
    }

    /** AdamW with weight decay on weights only. */
    public AdamW(Model model, float lr, float beta1, float beta2, float eps, float weightDecay) {
        super(model, lr, beta1, beta2, eps, weightDecay, true);
    }

    /** AdamW over explicit parameter groups. */
    public AdamW(
            Model model, float lr, float beta1, float beta2, float eps, List<ParamGroup> groups) {
        super(model, lr, beta1, beta2, eps, true, groups);
    }
}
