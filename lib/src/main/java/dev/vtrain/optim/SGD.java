package dev.vtrain.optim;

import dev.vtrain.nn.Model;
import java.util.List;

/**
 * Stochastic gradient descent as PyTorch's {@code torch.optim.SGD}: with {@code d = grad +
 * weightDecay · p}, the momentum buffer is {@code d} on the first step and then {@code momentum ·
 * buf + (1 - dampening) · d}; the update is {@code p -= lr · (nesterov ? d + momentum · buf :
 * buf)}, or {@code p -= lr · d} without momentum. Not thread-safe: the thread that trains its model
 * calls it, between steps; its momentum slab (if any) is allocated on the model's backend and owned
 * by the optimizer (freed by {@code close()}).
 */
public final class SGD extends SlabOptimizer {
    private final float momentum;
    private final float dampening;
    private final boolean nesterov;
    private final dev.vtrain.backend.SgdRule rule;

    /** Plain SGD: {@code p -= lr · grad}. */
    public SGD(Model model, float lr) {
        this(model, lr, 0f, 0f, 0f, false);
    }

    /**
     * SGD with PyTorch's options; weight decay on weights only (see {@link ParamGroup#defaults}).
     */
    public SGD(
            Model model,
            float lr,
            float momentum,
            float dampening,
            float weightDecay,
            boolean nesterov) {
        this(model, lr, momentum, dampening, nesterov, ParamGroup.defaults(model, weightDecay));
    }

    /**
     * SGD over explicit parameter groups.
     *
     * @throws IllegalArgumentException for an invalid hyperparameter, or Nesterov without momentum
     *     or with dampening
     */
    public SGD(
            Model model,
            float lr,
            float momentum,
            float dampening,
            boolean nesterov,
            List<ParamGroup> groups) {
        Hyper.nonNegative("momentum", momentum);
        Hyper.closedUnit("dampening", dampening);
        if (nesterov && (momentum <= 0f || dampening != 0f)) {
            throw new IllegalArgumentException(
                    "Nesterov momentum requires a momentum > 0 and zero dampening (got momentum="
                            + momentum
                            + ", dampening="
                            + dampening
                            + ")");
        }
        super(
                model,
                lr,
                groups,
                momentum != 0f ? new String[] {"momentum_buffer"} : new String[0],
                new float[] {0f});
        this.momentum = momentum;
        this.dampening = dampening;
        this.nesterov = nesterov;
        this.rule = new dev.vtrain.backend.SgdRule(momentum, dampening, nesterov);
    }

    @Override
    protected void update(Range r, float lr, long step, float gradScale) {
        updates.sgd(
                r.param,
                momentum != 0f ? r.state[0] : null,
                r.grad,
                rule,
                stepArgs.set(lr, gradScale, r.weightDecay).firstStep(step == 1));
    }

    @Override
    public String toString() {
        return "SGD(lr="
                + learningRate()
                + ", momentum="
                + momentum
                + ", dampening="
                + dampening
                + ", nesterov="
                + nesterov
                + ", groups="
                + groups().size()
                + ")";
    }
}
