package dev.vtrain.optim;

import dev.vtrain.nn.Model;
import java.util.List;

/**
 * AdaGrad as PyTorch's {@code torch.optim.Adagrad}: accumulated squared gradients (starting at
 * {@code initialAccumulatorValue}), learning rate decayed as {@code lr / (1 + (t - 1) · lrDecay)},
 * coupled weight decay. Defaults as PyTorch: lr 0.01, eps 1e-10. Not thread-safe: the thread that
 * trains its model calls it, between steps; its accumulator slab is allocated on the model's
 * backend and owned by the optimizer (freed by {@code close()}).
 */
public final class Adagrad extends SlabOptimizer {
    private final float lrDecay;
    private final float eps;
    private final dev.vtrain.backend.AdagradRule rule;

    /** AdaGrad with PyTorch's defaults (no lr decay, accumulator starting at 0, eps 1e-10). */
    public Adagrad(Model model, float lr) {
        this(model, lr, 0f, 0f, 0f, 1e-10f);
    }

    /** AdaGrad with weight decay on weights only. */
    public Adagrad(
            Model model,
            float lr,
            float lrDecay,
            float weightDecay,
            float initialAccumulatorValue,
            float eps) {
        this(
                model,
                lr,
                lrDecay,
                initialAccumulatorValue,
                eps,
                ParamGroup.defaults(model, weightDecay));
    }

    /**
     * AdaGrad over explicit parameter groups.
     *
     * @throws IllegalArgumentException for an invalid hyperparameter
     */
    public Adagrad(
            Model model,
            float lr,
            float lrDecay,
            float initialAccumulatorValue,
            float eps,
            List<ParamGroup> groups) {
        Hyper.nonNegative("lr_decay", lrDecay);
        Hyper.nonNegative("epsilon", eps);
        Hyper.nonNegative("initial_accumulator_value", initialAccumulatorValue);
        super(model, lr, groups, new String[] {"sum"}, new float[] {initialAccumulatorValue});
        this.lrDecay = lrDecay;
        this.eps = eps;
        this.rule = new dev.vtrain.backend.AdagradRule(eps);
    }

    @Override
    protected void update(Range r, float lr, long step, float gradScale) {
        float clr = (float) (lr / (1 + (step - 1) * (double) lrDecay));
        updates.adagrad(
                r.param, r.state[0], r.grad, rule, stepArgs.set(clr, gradScale, r.weightDecay));
    }

    @Override
    public String toString() {
        return "Adagrad(lr=" + learningRate() + ", lr_decay=" + lrDecay + ", eps=" + eps + ")";
    }
}
