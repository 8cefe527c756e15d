package dev.vtrain.nn;

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
        checkBuilt();
        backend.gemm(output, input, false, weight.value(), true, 1f, 0f);
        if (bias) {
            backend.addRowVector(output, biasParam.value());
        }
    }

    @Override
    public void backward(
            Backend backend, Tensor input, Tensor output, Tensor gradOutput, Tensor gradInput) {
        checkBuilt();
        // dW += dYᵀ · x ; db += Σ_rows dY ; dX = dY · W  (a frozen layer does only the last)
        if (!frozen) {
            backend.gemm(weight.grad(), gradOutput, true, input, false, 1f, 1f);
            if (bias) {
                backend.sumRows(gradOutput, biasParam.grad(), 1f);
            }
        }
        if (gradInput != null) {
            backend.gemm(gradInput, gradOutput, false, weight.value(), false, 1f, 0f);
        }
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
