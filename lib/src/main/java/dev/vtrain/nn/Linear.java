package dev.vtrain.nn;

import dev.vtrain.backend.Activation;
import dev.vtrain.backend.Backend;
import dev.vtrain.tensor.Tensor;

/**
 * Fully connected layer {@code y = x · Wᵀ + b}, as PyTorch's {@code nn.Linear}: weight of shape
 * {@code (outFeatures, inFeatures)}, bias {@code (outFeatures)}, both initialised uniform in
 * ±1/√inFeatures (PyTorch's Kaiming-uniform with a = √5).
 */
public final class Linear implements Layer {
    private final int inFeatures;
    private final int outFeatures;
    private final boolean bias;
    private Parameter weight;
    private Parameter biasParam;
    private boolean frozen;
    // Set when the layer is frozen: its gradients may still hold values from before, which an
    // overwriting backward pass (which skips frozen layers) must clear once.
    private boolean staleGradients;

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

    @Override
    public int outFeatures(int in) {
        if (in != inFeatures) {
            throw new IllegalArgumentException(
                    this + ": expected input (*, " + inFeatures + ") but got (*, " + in + ")");
        }
        return outFeatures;
    }

    /** Output features. */
    public int outFeatures() {
        return outFeatures;
    }

    /**
     * Freezes or unfreezes the layer: a frozen layer computes no parameter gradients (they stay
     * zero) and optimizers leave its parameters alone. Set before creating the optimizer.
     */
    public void frozen(boolean value) {
        if (value && !frozen) {
            staleGradients = true;
        }
        frozen = value;
    }

    /** Whether the layer is frozen. */
    public boolean frozen() {
        return frozen;
    }

    /** Whether the layer has a bias. */
    public boolean hasBias() {
        return bias;
    }

    @Override
    public void declare(LayerPlan plan, int in) {
        ParameterInit init = ParameterInit.uniform(1.0 / Math.sqrt(inFeatures));
        weight = plan.add("weight", init, outFeatures, inFeatures);
        if (bias) {
            biasParam = plan.add("bias", init, outFeatures);
        }
    }

    private void checkBuilt() {
        if (weight == null) {
            throw new IllegalStateException(this + " is not part of a built Model");
        }
    }

    @Override
    public void forward(Backend backend, Tensor input, Tensor output, boolean training) {
        forward(backend, input, output, null);
    }

    /**
     * Forward with an activation fused in: overwrites {@code output} (batch × out) with {@code
     * f(input · Wᵀ + b)}; {@code f} may be null. Used by {@link Model} for a Linear followed by an
     * activation layer; the pre-activation is then never stored.
     */
    public void forward(Backend backend, Tensor input, Tensor output, Activation f) {
        checkBuilt();
        backend.linear(output, input, weight.value(), bias ? biasParam.value() : null, f);
    }

    @Override
    public void backward(
            Backend backend, Tensor input, Tensor output, Tensor gradOutput, Tensor gradInput) {
        backward(backend, input, gradOutput, gradInput, true, false);
    }

    /**
     * Back-propagates {@code gradOutput} (batch × out): dW = dYᵀ · x and db = Σ_rows dY are
     * accumulated into the parameter gradients when {@code accumulate}, written over them otherwise
     * (db is left alone when {@code biasGradDone}: the caller computed it, fused into the
     * activation backward above). {@code gradInput} (batch × in), when not null, is overwritten
     * with dY · W. A frozen layer does only the last.
     */
    public void backward(
            Backend backend,
            Tensor input,
            Tensor gradOutput,
            Tensor gradInput,
            boolean accumulate,
            boolean biasGradDone) {
        checkBuilt();
        float beta = accumulate ? 1f : 0f;
        if (!frozen) {
            backend.gemm(weight.grad(), gradOutput, true, input, false, 1f, beta);
            if (bias && !biasGradDone) {
                backend.sumRows(gradOutput, biasParam.grad(), beta);
            }
        } else if (!accumulate) {
            clearStaleGradients(backend);
        }
        if (gradInput != null) {
            backend.gemm(gradInput, gradOutput, false, weight.value(), false, 1f, 0f);
        }
    }

    /** Zeroes a frozen layer's gradients once after it was frozen (no-op otherwise). */
    void clearStaleGradients(Backend backend) {
        if (frozen && staleGradients) {
            backend.fill(weight.grad(), 0f);
            if (bias) {
                backend.fill(biasParam.grad(), 0f);
            }
            staleGradients = false;
        }
    }

    /** The bias gradient (out), or null without a bias. */
    Tensor biasGradient() {
        checkBuilt();
        return bias ? biasParam.grad() : null;
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
