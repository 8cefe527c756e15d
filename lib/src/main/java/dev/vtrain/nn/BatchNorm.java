package dev.vtrain.nn;

import dev.vtrain.backend.BatchNormArgs;
import dev.vtrain.backend.NormOps;
import dev.vtrain.tensor.Shape;
import dev.vtrain.tensor.SlabPlan;
import dev.vtrain.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Batch normalisation as PyTorch's {@code nn.BatchNorm1d} (input {@code (C)}) and {@code
 * nn.BatchNorm2d} (input {@code (C, H, W)}, statistics over batch, height and width): in training,
 * batch mean and biased variance normalise, and the running mean and unbiased running variance move
 * by {@code momentum}; in evaluation the running statistics normalise. Affine weight (init 1) and
 * bias (init 0) are parameters without weight decay; {@code running_mean}, {@code running_var} and
 * {@code num_batches_tracked} are buffers saved with the model. Backward uses the batch statistics
 * of the last training forward. Build and run it on the thread that owns its model (see {@link
 * Model}); {@link #declare} stores per-model state, so an instance belongs to at most one model.
 */
public final class BatchNorm implements Layer {
    private final int features;
    private final int rank;
    private final float eps;
    private final float momentum;
    private final boolean affine;
    private ParameterUse weight;
    private ParameterUse bias;
    private Buffer runningMean;
    private Buffer runningVar;
    private Buffer tracked;
    private SlabPlan.Slot mean;
    private SlabPlan.Slot rstd;
    private NormOps ops;
    private final BatchNormArgs[] args = new BatchNormArgs[4];
    private boolean fusedRelu;

    private BatchNorm(int features, int rank, float eps, float momentum, boolean affine) {
        if (features <= 0 || !(eps > 0f) || !(momentum >= 0f && momentum <= 1f)) {
            throw new IllegalArgumentException(
                    "BatchNorm("
                            + features
                            + ", eps="
                            + eps
                            + ", momentum="
                            + momentum
                            + "): invalid settings");
        }
        this.features = features;
        this.rank = rank;
        this.eps = eps;
        this.momentum = momentum;
        this.affine = affine;
    }

    /** {@code BatchNorm1d(features, eps, momentum, affine)} over {@code (C)} inputs. */
    public static BatchNorm of1d(int features, float eps, float momentum, boolean affine) {
        return new BatchNorm(features, 1, eps, momentum, affine);
    }

    /** {@code BatchNorm2d(channels, eps, momentum, affine)} over {@code (C, H, W)} inputs. */
    public static BatchNorm of2d(int channels, float eps, float momentum, boolean affine) {
        return new BatchNorm(channels, 3, eps, momentum, affine);
    }

    /** {@code BatchNorm2d(channels)} with PyTorch's defaults (eps 1e-5, momentum 0.1, affine). */
    public static BatchNorm of2d(int channels) {
        return of2d(channels, 1e-5f, 0.1f, true);
    }

    @Override
    public Shape outputShape(Shape input) {
        if (input.rank() != rank || input.dim(0) != features) {
            throw new IllegalArgumentException(
                    this
                            + ": expected input "
                            + (rank == 1 ? "(" + features + ",)" : "(" + features + ", H, W)")
                            + " but got "
                            + input);
        }
        return input;
    }

    @Override
    public void declare(Plan plan, Shape input) {
        ops = plan.norms();
        if (affine) {
            weight =
                    plan.param(
                            "weight",
                            (v, r) -> java.util.Arrays.fill(v, 1f),
                            StorageLayout.IDENTITY,
                            false,
                            features);
            bias =
                    plan.param(
                            "bias",
                            (v, r) -> java.util.Arrays.fill(v, 0f),
                            StorageLayout.IDENTITY,
                            false,
                            features);
        }
        runningMean = plan.buffer("running_mean", 0f, false, features);
        runningVar = plan.buffer("running_var", 1f, false, features);
        tracked = plan.buffer("num_batches_tracked", 0f, true);
        mean = plan.fixed("batch_mean", features);
        rstd = plan.fixed("batch_rstd", features);
    }

    private BatchNormArgs args(boolean gammaGrad, boolean betaGrad) {
        int i = (gammaGrad ? 2 : 0) + (betaGrad ? 1 : 0);
        if (args[i] == null) {
            args[i] =
                    new BatchNormArgs(
                            affine ? weight.value() : null,
                            affine ? bias.value() : null,
                            gammaGrad ? weight.grad() : null,
                            betaGrad ? bias.grad() : null,
                            runningMean.value(),
                            runningVar.value(),
                            tracked.value(),
                            eps,
                            momentum,
                            fusedRelu);
        }
        return args[i];
    }

    @Override
    public void forward(Step step, Tensor x, Tensor y) {
        if (ops == null) {
            throw new IllegalStateException(this + " is not part of a built Model");
        }
        BatchNormArgs a = args(false, false);
        if (step.training()) {
            ops.batchNormTrain(
                    a, y.matrix(features), x.matrix(features), mean.tensor(), rstd.tensor());
        } else {
            ops.batchNormEval(
                    a, y.matrix(features), x.matrix(features), mean.tensor(), rstd.tensor());
        }
    }

    /**
     * Makes this layer apply the ReLU that follows it in its own passes ({@link Sequential}'s
     * fusion rule): forward then writes {@code max(0, y)}, and backward takes the ReLU's output and
     * output gradient. Call before the model is built.
     */
    void fuseRelu() {
        fusedRelu = true;
    }

    @Override
    public void backward(Step step, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        boolean gw = affine && !weight.frozen();
        boolean gb = affine && !bias.frozen();
        if (!gw && !gb && dx == null) {
            return;
        }
        ops.batchNormBackward(
                args(gw, gb),
                dx == null ? null : dx.matrix(features),
                dy.matrix(features),
                x.matrix(features),
                y.matrix(features),
                mean.tensor(),
                rstd.tensor(),
                gw ? weight.beta(step) : 1f,
                gb ? bias.beta(step) : 1f,
                step.training());
    }

    @Override
    public LayerSpec spec() {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("num_features", (long) features);
        a.put("eps", (double) eps);
        a.put("momentum", (double) momentum);
        a.put("affine", affine);
        return LayerSpec.of(rank == 1 ? "batchnorm1d" : "batchnorm2d", a);
    }

    @Override
    public String toString() {
        return (rank == 1 ? "BatchNorm1d(" : "BatchNorm2d(")
                + features
                + ", eps="
                + eps
                + ", momentum="
                + momentum
                + ", affine="
                + (affine ? "True" : "False")
                + ")";
    }
}
