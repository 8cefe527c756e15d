package dev.vtrain.optim;

import dev.vtrain.backend.Backend;
import dev.vtrain.nn.Model;
import dev.vtrain.tensor.Storage;
import dev.vtrain.tensor.Tensor;

/**
 * Stochastic gradient descent as PyTorch's {@code torch.optim.SGD}: with {@code d = grad +
 * weightDecay · p}, the momentum buffer is {@code d} on the first step and then {@code momentum ·
 * buf + (1 - dampening) · d}; the update is {@code p -= lr · (nesterov ? d + momentum · buf :
 * buf)}.
 */
public final class SGD implements Optimizer {
    private final Model model;
    private final float lr;
    private final float momentum;
    private final float dampening;
    private final float weightDecay;
    private final boolean nesterov;
    private final Storage bufferStorage;
    private final Tensor buffer;
    private long steps;

    /** Plain SGD: {@code p -= lr · grad}. */
    public SGD(Model model, float lr) {
        this(model, lr, 0f, 0f, 0f, false);
    }

    /**
     * SGD with PyTorch's options.
     *
     * @throws IllegalArgumentException for an invalid hyperparameter, or Nesterov without momentum
     *     or with dampening
     */
    public SGD(
            Model model,
            float lr,
            float momentum,
            float dampening,
            float weightDecay,
            boolean nesterov) {
        this.model = model;
        this.lr = Hyper.nonNegative("learning rate", lr);
        this.momentum = Hyper.nonNegative("momentum", momentum);
        this.dampening = Hyper.closedUnit("dampening", dampening);
        this.weightDecay = Hyper.nonNegative("weight_decay", weightDecay);
        if (nesterov && (momentum <= 0f || dampening != 0f)) {
            throw new IllegalArgumentException(
                    "Nesterov momentum requires a momentum > 0 and zero dampening (got momentum="
                            + momentum
                            + ", dampening="
                            + dampening
                            + ")");
        }
        this.nesterov = nesterov;
        if (momentum != 0f) {
            Tensor params = model.parameterSlab();
            bufferStorage = model.backend().allocate(params.size());
            buffer = Tensor.of(bufferStorage, 0, Math.toIntExact(params.size()));
        } else {
            bufferStorage = null;
            buffer = null;
        }
    }

    @Override
    public void step(float lr) {
        Backend b = model.backend();
        b.sgdUpdate(
                model.parameterSlab(),
                model.gradientSlab(),
                buffer,
                lr,
                momentum,
                dampening,
                nesterov,
                weightDecay,
                steps == 0);
        steps++;
    }

    @Override
    public float learningRate() {
        return lr;
    }

    @Override
    public long steps() {
        return steps;
    }

    /** The momentum buffer (null without momentum), same layout as the parameter slab. */
    public Tensor momentumBuffer() {
        return buffer;
    }

    @Override
    public void close() {
        if (bufferStorage != null) {
            bufferStorage.close();
        }
    }

    @Override
    public String toString() {
        return "SGD(lr="
                + lr
                + ", momentum="
                + momentum
                + ", dampening="
                + dampening
                + ", weight_decay="
                + weightDecay
                + ", nesterov="
                + nesterov
                + ")";
    }
}
