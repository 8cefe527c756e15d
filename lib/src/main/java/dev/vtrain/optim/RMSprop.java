package dev.vtrain.optim;

import dev.vtrain.nn.Model;
import java.util.List;

/**
 * RMSprop as PyTorch's {@code torch.optim.RMSprop}: a running average of squared gradients ({@code
 * alpha}), optionally centered (minus the squared running mean gradient), optional momentum,
 * coupled weight decay. Defaults as PyTorch: lr 0.01, alpha 0.99, eps 1e-8. Not thread-safe: the
 * thread that trains its model calls it, between steps; its state slabs are allocated on the
 * model's backend and owned by the optimizer (freed by {@code close()}).
 */
public final class RMSprop extends SlabOptimizer {
    private final float alpha;
    private final float eps;
    private final float momentum;
    private final boolean centered;
    private final dev.vtrain.backend.RmspropRule rule;

    /** RMSprop with PyTorch's defaults (alpha 0.99, eps 1e-8, no momentum, not centered). */
    public RMSprop(Model model, float lr) {
        this(model, lr, 0.99f, 1e-8f, 0f, 0f, false);
    }

    /** RMSprop with weight decay on weights only. */
    public RMSprop(
            Model model,
            float lr,
            float alpha,
            float eps,
            float weightDecay,
            float momentum,
            boolean centered) {
        this(model, lr, alpha, eps, momentum, centered, ParamGroup.defaults(model, weightDecay));
    }

    /**
     * RMSprop over explicit parameter groups.
     *
     * @throws IllegalArgumentException for an invalid hyperparameter
     */
    public RMSprop(
            Model model,
            float lr,
            float alpha,
            float eps,
            float momentum,
            boolean centered,
            List<ParamGroup> groups) {
        Hyper.closedUnit("alpha", alpha);
        Hyper.nonNegative("epsilon", eps);
        Hyper.nonNegative("momentum", momentum);
        super(
                model,
                lr,
                groups,
                new String[] {"square_avg", "grad_avg", "momentum_buffer"},
                new float[] {0f, 0f, 0f});
        this.alpha = alpha;
        this.eps = eps;
        this.momentum = momentum;
        this.centered = centered;
        this.rule = new dev.vtrain.backend.RmspropRule(alpha, eps, momentum, centered);
    }

    @Override
    protected void update(Range r, float lr, long step, float gradScale) {
        updates.rmsprop(
                r.param,
                r.state[0],
                r.state[1],
                r.state[2],
                r.grad,
                rule,
                stepArgs.set(lr, gradScale, r.weightDecay));
    }

    @Override
    public String toString() {
        return "RMSprop(lr="
                + learningRate()
                + ", alpha="
                + alpha
                + ", eps="
                + eps
                + ", momentum="
                + momentum
                + ", centered="
                + centered
                + ")";
    }
}
