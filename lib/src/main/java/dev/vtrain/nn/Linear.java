package dev.vtrain.nn;

import dev.vtrain.backend.Activation;
import dev.vtrain.tensor.Shape;
import dev.vtrain.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Fully connected layer {@code y = x · Wᵀ + b} on the last dimension, as PyTorch's {@code
 * nn.Linear}: input {@code (*, in)}, output {@code (*, out)}; weight of shape {@code (out, in)},
 * bias {@code (out)}, both initialised uniform in ±1/√in (PyTorch's Kaiming-uniform with a = √5).
 * Image-shaped input {@code (C, H, W)} is refused (PyTorch would act on W; flatten first). Build
 * and run it on the thread that owns its model (see {@link Model}); {@link #declare} stores
 * per-model state, so an instance belongs to at most one model.
 */
public final class Linear implements Layer {
    private final int inFeatures;
    private final int outFeatures;
    private final boolean bias;
    private ParameterUse weight;
    private ParameterUse biasParam;
    private ParameterInit weightInit;
    private ParameterInit biasInit;

    /** {@code Linear(inFeatures, outFeatures)} with a bias. */
    public Linear(int inFeatures, int outFeatures) {
        this(inFeatures, outFeatures, true);
    }

    /**
     * A linear layer.
     *
     * @throws IllegalArgumentException if a size is not positive
     */
    public Linear(int inFeatures, int outFeatures, boolean bias) {
        if (inFeatures <= 0 || outFeatures <= 0) {
            throw new IllegalArgumentException(
                    "Linear(in="
                            + inFeatures
                            + ", out="
                            + outFeatures
                            + "): sizes must be positive");
        }
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.bias = bias;
    }

    /** Input features. */
    public int inFeatures() {
        return inFeatures;
    }

    /** Output features. */
    public int outFeatures() {
        return outFeatures;
    }

    /**
     * The weight parameter, for tying it to another layer ({@link Plan#use}).
     *
     * @throws IllegalStateException before the layer is part of a built model
     */
    public Parameter weight() {
        checkBuilt();
        return weight.parameter();
    }

    /** Whether the layer has a bias. */
    public boolean hasBias() {
        return bias;
    }

    @Override
    public Shape outputShape(Shape input) {
        if (input.rank() > 2 || input.last() != inFeatures) {
            throw new IllegalArgumentException(
                    this
                            + ": expected input (*, "
                            + inFeatures
                            + ") of rank 1 or 2 but got "
                            + input
                            + (input.rank() > 2 ? " (add flatten before it)" : ""));
        }
        return input.withLast(outFeatures);
    }

    /**
     * Replaces PyTorch's default initialisation (as a GPT's normal(0, 0.02) weights and zero
     * biases); call before the model is built.
     */
    Linear initialised(ParameterInit weights, ParameterInit biases) {
        this.weightInit = weights;
        this.biasInit = biases;
        return this;
    }

    @Override
    public void declare(Plan plan, Shape input) {
        ParameterInit init = ParameterInit.uniform(1.0 / Math.sqrt(inFeatures));
        weight =
                plan.param(
                        "weight", weightInit == null ? init : weightInit, outFeatures, inFeatures);
        if (bias) {
            biasParam = plan.param("bias", biasInit == null ? init : biasInit, outFeatures);
        }
    }

    private void checkBuilt() {
        if (weight == null) {
            throw new IllegalStateException(this + " is not part of a built Model");
        }
    }

    @Override
    public void forward(Step step, Tensor x, Tensor y) {
        forward(step, x, y, null);
    }

    /**
     * Forward with an activation fused in: overwrites {@code y} with {@code f(x · Wᵀ + b)}; {@code
     * f} may be null. {@link Sequential} uses it for a Linear followed by an activation; the
     * pre-activation is then never stored.
     */
    void forward(Step step, Tensor x, Tensor y, Activation f) {
        checkBuilt();
        step.backend()
                .linear(
                        y.matrix(outFeatures),
                        x.matrix(inFeatures),
                        weight.value(),
                        bias ? biasParam.value() : null,
                        f);
    }

    @Override
    public void backward(Step step, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        backward(step, x, dy, dx, false);
    }

    /**
     * Back-propagates {@code dy}: dW = dYᵀ · x and db = Σ_rows dY (db skipped when {@code
     * biasGradDone}: the activation above computed it); {@code dx}, when not null, is overwritten
     * with dY · W. Frozen parameters get no gradient work.
     */
    void backward(Step step, Tensor x, Tensor dy, Tensor dx, boolean biasGradDone) {
        checkBuilt();
        Tensor g = dy.matrix(outFeatures);
        if (!weight.frozen()) {
            step.backend()
                    .gemm(
                            weight.grad(),
                            g,
                            true,
                            x.matrix(inFeatures),
                            false,
                            1f,
                            weight.beta(step));
        }
        if (bias && !biasGradDone && !biasParam.frozen()) {
            step.backend().sumRows(g, biasParam.grad(), biasParam.beta(step));
        }
        if (dx != null) {
            step.backend().gemm(dx.matrix(inFeatures), g, false, weight.value(), false, 1f, 0f);
        }
    }

    /** The weight's values (out × in); for inference paths in this package. */
    Tensor weightValue() {
        checkBuilt();
        return weight.value();
    }

    /** The bias values (out), or null without a bias. */
    Tensor biasValue() {
        checkBuilt();
        return bias ? biasParam.value() : null;
    }

    /**
     * The bias use when it exists and is trainable (its gradient may be fused above), else null.
     */
    ParameterUse trainableBias() {
        return bias && !biasParam.frozen() ? biasParam : null;
    }

    @Override
    public LayerSpec spec() {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("in_features", (long) inFeatures);
        a.put("out_features", (long) outFeatures);
        a.put("bias", bias);
        return LayerSpec.of("linear", a);
    }

    @Override
    public String toString() {
        return "Linear(in_features="
                + inFeatures
                + ", out_features="
                + outFeatures
                + ", bias="
                + (bias ? "True" : "False")
                + ")";
    }
}
