package dev.vtrain.optim;

import dev.vtrain.nn.Model;
import dev.vtrain.tensor.Storage;
import dev.vtrain.tensor.Tensor;

/**
 * Adam as PyTorch's {@code torch.optim.Adam}, or AdamW ({@code torch.optim.AdamW}) when weight
 * decay is decoupled. Bias corrections are computed in double on the host each step and passed to
 * one fused update over the parameter, gradient, first- and second-moment slabs.
 */
public final class Adam implements Optimizer {
    private final Model model;
    private final float lr;
    private final float beta1;
    private final float beta2;
    private final float eps;
    private final float weightDecay;
    private final boolean decoupled;
    private final Storage mStorage;
    private final Storage vStorage;
    private final Tensor m;
    private final Tensor v;
    private long steps;

    /** Adam with PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, no weight decay. */
    public Adam(Model model, float lr) {
        this(model, lr, 0.9f, 0.999f, 1e-8f, 0f, false);
    }

    /**
     * Adam ({@code decoupledWeightDecay = false}) or AdamW ({@code true}).
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
        this.model = model;
        this.lr = Hyper.nonNegative("learning rate", lr);
        this.beta1 = Hyper.unitInterval("beta1", beta1);
        this.beta2 = Hyper.unitInterval("beta2", beta2);
        this.eps = Hyper.nonNegative("epsilon", eps);
        this.weightDecay = Hyper.nonNegative("weight_decay", weightDecay);
        this.decoupled = decoupledWeightDecay;
        long n = model.parameterSlab().size();
        mStorage = model.backend().allocate(n);
        Storage vs;
        try {
            vs = model.backend().allocate(n);
        } catch (RuntimeException | OutOfMemoryError e) {
            mStorage.close();
            throw e;
        }
        vStorage = vs;
        m = Tensor.of(mStorage, 0, Math.toIntExact(n));
        v = Tensor.of(vStorage, 0, Math.toIntExact(n));
    }

    @Override
    public void step(float lr) {
        steps++;
        double bias1 = 1 - Math.pow(beta1, (double) steps);
        double bias2 = 1 - Math.pow(beta2, (double) steps);
        float stepSize = (float) (lr / bias1);
        float bias2Sqrt = (float) Math.sqrt(bias2);
        model.backend()
                .adamUpdate(
                        model.parameterSlab(),
                        model.gradientSlab(),
                        m,
                        v,
                        lr,
                        beta1,
                        beta2,
                        eps,
                        weightDecay,
                        decoupled,
                        stepSize,
                        bias2Sqrt);
    }

    @Override
    public float learningRate() {
        return lr;
    }

    @Override
    public long steps() {
        return steps;
    }

    /** First moment (same layout as the parameter slab). */
    public Tensor firstMoment() {
        return m;
    }

    /** Second moment (same layout as the parameter slab). */
    public Tensor secondMoment() {
        return v;
    }

    @Override
    public void close() {
        mStorage.close();
        vStorage.close();
    }

    @Override
    public String toString() {
        return (decoupled ? "AdamW" : "Adam")
                + "(lr="
                + lr
                + ", betas=("
                + beta1
                + ", "
                + beta2
                + "), eps="
                + eps
                + ", weight_decay="
                + weightDecay
                + ")";
    }
}
