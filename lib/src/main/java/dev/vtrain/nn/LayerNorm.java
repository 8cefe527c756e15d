package dev.vtrain.nn;

import dev.vtrain.backend.SequenceOps;
import dev.vtrain.tensor.Shape;
import dev.vtrain.tensor.SlabPlan;
import dev.vtrain.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Layer normalisation over the last dimension, as PyTorch's {@code nn.LayerNorm(dim, eps)}: input
 * {@code (*, dim)}, same output; with {@code affine} a weight (ones) and bias (zeros) of {@code
 * dim}, not decayed. Keeps each row's mean and reciprocal standard deviation for backward. Build
 * and run it on the thread that owns its model (see {@link Model}); {@link #declare} stores
 * per-model state, so an instance belongs to at most one model.
 */
public final class LayerNorm implements Layer {
    private final int dim;
    private final float eps;
    private final boolean affine;
    private final boolean hasBias;
    private SequenceOps ops;
    private ParameterUse weight;
    private ParameterUse bias;
    private SlabPlan.Slot mean;
    private SlabPlan.Slot rstd;
    private SlabPlan.Slot scratch;

    /** {@code LayerNorm(dim)} with eps 1e-5 and an affine transform. */
    public LayerNorm(int dim) {
        this(dim, 1e-5f, true, true);
    }

    /**
     * A layer norm; {@code bias} false drops the bias of the affine transform (nanoGPT's {@code
     * LayerNorm(ndim, bias=False)}).
     *
     * @throws IllegalArgumentException if {@code dim} is not positive or eps is not positive
     */
    public LayerNorm(int dim, float eps, boolean affine, boolean bias) {
        if (dim <= 0 || !(eps > 0)) {
            throw new IllegalArgumentException(
                    "LayerNorm(" + dim + ", eps=" + eps + "): the size and eps must be positive");
        }
        this.dim = dim;
        this.eps = eps;
        this.affine = affine;
        this.hasBias = affine && bias;
    }

    /**
     * Normalises the rows of {@code x} into {@code y} with this layer's parameters, writing the row
     * statistics to {@code mean} and {@code rstd}: for inference paths in this package.
     */
    void apply(Tensor y, Tensor mean, Tensor rstd, Tensor x) {
        ops.layerNorm(
                y,
                mean,
                rstd,
                x,
                affine ? weight.value() : null,
                hasBias ? bias.value() : null,
                eps);
    }

    @Override
    public Shape outputShape(Shape input) {
        if (input.last() != dim) {
            throw new IllegalArgumentException(
                    this + ": expected input (*, " + dim + ") but got " + input);
        }
        return input;
    }

    @Override
    public void declare(Plan plan, Shape input) {
        ops = plan.sequence();
        if (affine) {
            weight =
                    plan.param(
                            "weight",
                            ParameterInit.constant(1f),
                            StorageLayout.IDENTITY,
                            false,
                            dim);
        }
        if (hasBias) {
            bias =
                    plan.param(
                            "bias", ParameterInit.constant(0f), StorageLayout.IDENTITY, false, dim);
        }
        Shape rows = Shape.of(input.size() / dim);
        mean = plan.activation("mean", rows);
        rstd = plan.activation("rstd", rows);
        scratch = plan.scratch("dy_xhat", input);
    }

    @Override
    public void forward(Step step, Tensor x, Tensor y) {
        ops.layerNorm(
                y.matrix(dim),
                step.get(mean),
                step.get(rstd),
                x.matrix(dim),
                affine ? weight.value() : null,
                hasBias ? bias.value() : null,
                eps);
    }

    @Override
    public void backward(Step step, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        boolean w = affine && !weight.frozen();
        boolean b = hasBias && !bias.frozen();
        if (dx == null && !w && !b) {
            return;
        }
        ops.layerNormBackward(
                dx == null ? null : dx.matrix(dim),
                w ? weight.grad() : null,
                w ? weight.beta(step) : 0f,
                b ? bias.grad() : null,
                b ? bias.beta(step) : 0f,
                step.get(scratch).matrix(dim),
                dy.matrix(dim),
                x.matrix(dim),
                affine ? weight.value() : null,
                step.get(mean),
                step.get(rstd));
    }

    @Override
    public LayerSpec spec() {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("normalized_shape", (long) dim);
        a.put("eps", (double) eps);
        a.put("elementwise_affine", affine);
        a.put("bias", hasBias);
        return LayerSpec.of("layernorm", a);
    }

    @Override
    public String toString() {
        return "LayerNorm(("
                + dim
                + ",), eps="
                + eps
                + ", elementwise_affine="
                + (affine ? "True" : "False")
                + ")";
    }
}
