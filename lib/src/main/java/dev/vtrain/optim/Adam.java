package dev.vtrain.optim;

import dev.vtrain.nn.Model;
import java.util.List;

/**
 * Adam as PyTorch's {@code torch.optim.Adam} (coupled weight decay: added to the gradient). Bias
 * corrections are computed in double each step and passed to one fused update over parameter,
 * gradient, first- and second-moment slabs. {@link AdamW} is the decoupled variant. Not
 * thread-safe: the thread that trains its model calls it, between steps; its moment slabs are
 * allocated on the model's backend and owned by the optimizer (freed by {@code close()}).
 */
public class Adam extends SlabOptimizer {
    private final float beta1;
    private final float beta2;
    private final float eps;
    private final boolean decoupled;
    private final dev.vtrain.backend.AdamRule rule;

    /** Adam with PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, no weight decay. */
    public Adam(Model model, float lr) {
        this(model, lr, 0.9f, 0.999f, 1e-8f, 0f, false);
    }

    /**
     * Adam ({@code decoupledWeightDecay = false}) or AdamW ({@code true}), weight decay on weights
     * only.
     *
     * @throws IllegalArgumentException for an invalid hyperparameter
     */
    public Adam(
            Model model,
            float lr,
            float beta1,
            float beta2,
            float eps,
            float weightDecay,
            boolean decoupledWeightDecay) {
        this(
                model,
                lr,
                beta1,
                beta2,
                eps,
                decoupledWeightDecay,
                ParamGroup.defaults(model, weightDecay));
    }

    /** Adam over explicit parameter groups. */
    public Adam(
            Model model,
            float lr,
            float beta1,
            float beta2,
            float eps,
            boolean decoupledWeightDecay,
            List<ParamGroup> groups) {
        Hyper.unitInterval("beta1", beta1);
        Hyper.unitInterval("beta2", beta2);
        Hyper.nonNegative("epsilon", eps);
        super(model, lr, groups, new String[] {"exp_avg", "exp_avg_sq"}, new float[] {0f, 0f});
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.decoupled = decoupledWeightDecay;
        this.rule = new dev.vtrain.backend.AdamRule(beta1, beta2, eps, decoupledWeightDecay);
    }

    @Override
    protected void update(Range r, float lr, long step, float gradScale) {
        double bias1 = 1 - Math.pow(beta1, (double) step);
        double bias2 = 1 - Math.pow(beta2, (double) step);
        updates.adam(
                r.param,
                r.state[0],
                r.state[1],
                r.grad,
                rule,
                stepArgs.set(lr, gradScale, r.weightDecay)
                        .adamCorrections((float) (lr / bias1), (float) Math.sqrt(bias2)));
    }

    @Override
    public String toString() {
        return (decoupled ? "AdamW" : "Adam")
                + "(lr="
                + learningRate()
                + ", betas=("
                + beta1
                + ", "
                + beta2
                + "), eps="
                + eps
                + ", groups="
                + groups().size()
                + ")";
    }
}
