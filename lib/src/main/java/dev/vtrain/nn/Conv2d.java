package dev.vtrain.nn;

import dev.vtrain.backend.ConvGeometry;
import dev.vtrain.backend.ConvOps;
import dev.vtrain.tensor.Shape;
import dev.vtrain.tensor.SlabPlan;
import dev.vtrain.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * 2-d convolution as PyTorch's {@code nn.Conv2d} (zero padding): input {@code (in, H, W)}, output
 * {@code (out, oh, ow)}; weight {@code (out, in/groups, kh, kw)} and bias {@code (out)} in files,
 * both initialised uniform in ±1/√(in/groups·kh·kw) as PyTorch does. Internally images are
 * channels-last: the layer unfolds patches ({@code im2col}, kept for backward) and multiplies them
 * by the weight (stored {@code (out, kh, kw, in/groups)}) in one GEMM with the bias in its
 * epilogue; a 1×1 stride-1 convolution multiplies the input directly. Backward: dW = dYᵀ·cols, db =
 * column sums, dx = col2im(dY·W). Grouped convolutions run one GEMM per group. Build and run it on
 * the thread that owns its model (see {@link Model}); {@link #declare} stores per-model state, so
 * an instance belongs to at most one model.
 */
public final class Conv2d implements Layer {
    private final int inChannels;
    private final int outChannels;
    private final int[] kernel;
    private final int[] stride;
    private final int[] padding;
    private final int[] dilation;
    private final int groups;
    private final boolean bias;
    private ParameterUse weight;
    private ParameterUse biasParam;
    private ConvGeometry geometry;
    private ConvOps ops;
    private SlabPlan.Slot cols;
    private SlabPlan.Slot dcols;
    private SlabPlan.Slot groupOut;
    private Tensor[] groupWeight;
    private Tensor[] groupWeightGrad;
    private Tensor[] groupBias;
    private Tensor[] groupBiasGrad;

    /** {@code Conv2d(in, out, k)} with stride 1, no padding, a bias. */
    public Conv2d(int inChannels, int outChannels, int kernel) {
        this(
                inChannels,
                outChannels,
                new int[] {kernel, kernel},
                new int[] {1, 1},
                new int[] {0, 0},
                new int[] {1, 1},
                1,
                true);
    }

    /**
     * A convolution; {@code kernel}, {@code stride}, {@code padding} and {@code dilation} are
     * {@code {height, width}} pairs.
     *
     * @throws IllegalArgumentException if a size is not positive, padding is negative, or groups
     *     does not divide both channel counts
     */
    public Conv2d(
            int inChannels,
            int outChannels,
            int[] kernel,
            int[] stride,
            int[] padding,
            int[] dilation,
            int groups,
            boolean bias) {
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.kernel = kernel.clone();
        this.stride = stride.clone();
        this.padding = padding.clone();
        this.dilation = dilation.clone();
        this.groups = groups;
        this.bias = bias;
        if (inChannels <= 0 || outChannels <= 0 || groups <= 0) {
            throw new IllegalArgumentException(this + ": channels and groups must be positive");
        }
        if (inChannels % groups != 0 || outChannels % groups != 0) {
            throw new IllegalArgumentException(
                    this + ": groups must divide in_channels and out_channels");
        }
        for (int i = 0; i < 2; i++) {
            if (kernel[i] <= 0 || stride[i] <= 0 || dilation[i] <= 0 || padding[i] < 0) {
                throw new IllegalArgumentException(
                        this
                                + ": kernel, stride and dilation must be positive and padding non-negative");
            }
        }
    }

    @Override
    public Shape outputShape(Shape input) {
        if (input.rank() != 3 || input.dim(0) != inChannels) {
            throw new IllegalArgumentException(
                    this + ": expected input (" + inChannels + ", H, W) but got " + input);
        }
        ConvGeometry g = geometry(input);
        if (g.oh() < 1 || g.ow() < 1) {
            throw new IllegalArgumentException(
                    this
                            + ": input "
                            + input
                            + " is smaller than the (dilated) kernel after padding");
        }
        return Shape.of(outChannels, g.oh(), g.ow());
    }

    private ConvGeometry geometry(Shape in) {
        return new ConvGeometry(
                in.dim(1),
                in.dim(2),
                inChannels,
                kernel[0],
                kernel[1],
                stride[0],
                stride[1],
                padding[0],
                padding[1],
                dilation[0],
                dilation[1],
                groups);
    }

    @Override
    public void declare(Plan plan, Shape input) {
        geometry = geometry(input);
        ops = plan.conv();
        int cg = inChannels / groups;
        ParameterInit init =
                ParameterInit.uniform(1.0 / Math.sqrt((double) cg * kernel[0] * kernel[1]));
        weight =
                plan.param(
                        "weight",
                        init,
                        new ConvWeightLayout(outChannels, cg, kernel[0], kernel[1]),
                        true,
                        outChannels,
                        cg,
                        kernel[0],
                        kernel[1]);
        if (bias) {
            biasParam = plan.param("bias", init, outChannels);
        }
        int pixels = geometry.oh() * geometry.ow();
        int patch = geometry.patch();
        if (!geometry.pointwise()) {
            cols = plan.activation("cols", Shape.of(pixels * patch));
            dcols = plan.scratch("dcols", Shape.of(pixels * patch));
        }
        if (groups > 1) {
            groupOut = plan.activation("group_out", Shape.of(pixels * (outChannels / groups)));
        }
    }

    private void bindGroups() {
        if (groupWeight != null || groups == 1) {
            return;
        }
        int og = outChannels / groups;
        int patch = geometry.patch();
        groupWeight = new Tensor[groups];
        groupWeightGrad = new Tensor[groups];
        groupBias = new Tensor[groups];
        groupBiasGrad = new Tensor[groups];
        for (int g = 0; g < groups; g++) {
            groupWeight[g] = slice(weight.value(), (long) g * og * patch, og, patch);
            groupWeightGrad[g] = slice(weight.grad(), (long) g * og * patch, og, patch);
            if (bias) {
                groupBias[g] = slice(biasParam.value(), (long) g * og, og);
                groupBiasGrad[g] = slice(biasParam.grad(), (long) g * og, og);
            }
        }
    }

    private static Tensor slice(Tensor t, long offset, int... shape) {
        return Tensor.of(t.storage(), t.offset() + offset, shape);
    }

    private void checkBuilt() {
        if (weight == null) {
            throw new IllegalStateException(this + " is not part of a built Model");
        }
    }

    @Override
    public void forward(Step step, Tensor x, Tensor y) {
        checkBuilt();
        ConvGeometry g = geometry;
        Tensor out = y.matrix(outChannels);
        if (groups == 1) {
            Tensor c;
            if (g.pointwise()) {
                c = x.matrix(inChannels);
            } else {
                c = step.get(cols).matrix(g.patch());
                ops.im2col(c, x, g, 0);
            }
            step.backend()
                    .linear(
                            out,
                            c,
                            weight.value().matrix(g.patch()),
                            bias ? biasParam.value() : null,
                            null);
            return;
        }
        bindGroups();
        Tensor c = step.get(cols).matrix(g.patch());
        Tensor part = step.get(groupOut).matrix(outChannels / groups);
        for (int grp = 0; grp < groups; grp++) {
            ops.im2col(c, x, g, grp);
            step.backend().linear(part, c, groupWeight[grp], bias ? groupBias[grp] : null, null);
            ops.scatterColumns(out, part, grp * (outChannels / groups));
        }
    }

    @Override
    public void backward(Step step, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        checkBuilt();
        ConvGeometry g = geometry;
        Tensor gy = dy.matrix(outChannels);
        boolean wTrain = !weight.frozen();
        boolean bTrain = bias && !biasParam.frozen();
        if (groups == 1) {
            Tensor c = g.pointwise() ? x.matrix(inChannels) : step.get(cols).matrix(g.patch());
            Tensor w = weight.value().matrix(g.patch());
            if (wTrain) {
                step.backend()
                        .gemm(
                                weight.grad().matrix(g.patch()),
                                gy,
                                true,
                                c,
                                false,
                                1f,
                                weight.beta(step));
            }
            if (bTrain) {
                step.backend().sumRows(gy, biasParam.grad(), biasParam.beta(step));
            }
            if (dx != null) {
                if (g.pointwise()) {
                    step.backend().gemm(dx.matrix(inChannels), gy, false, w, false, 1f, 0f);
                } else {
                    Tensor dc = step.get(dcols).matrix(g.patch());
                    step.backend().gemm(dc, gy, false, w, false, 1f, 0f);
                    ops.col2im(dx, dc, g, 0);
                }
            }
            return;
        }
        bindGroups();
        int og = outChannels / groups;
        Tensor c = step.get(cols).matrix(g.patch());
        Tensor part = step.get(groupOut).matrix(og);
        Tensor dc = step.get(dcols).matrix(g.patch());
        for (int grp = 0; grp < groups; grp++) {
            ops.gatherColumns(part, gy, grp * og);
            if (wTrain) {
                ops.im2col(c, x, g, grp);
                step.backend()
                        .gemm(groupWeightGrad[grp], part, true, c, false, 1f, weight.beta(step));
            }
            if (bTrain) {
                step.backend().sumRows(part, groupBiasGrad[grp], biasParam.beta(step));
            }
            if (dx != null) {
                step.backend().gemm(dc, part, false, groupWeight[grp], false, 1f, 0f);
                ops.col2im(dx, dc, g, grp);
            }
        }
    }

    @Override
    public LayerSpec spec() {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("in_channels", (long) inChannels);
        a.put("out_channels", (long) outChannels);
        a.put("kernel_size", pair(kernel));
        a.put("stride", pair(stride));
        a.put("padding", pair(padding));
        a.put("dilation", pair(dilation));
        a.put("groups", (long) groups);
        a.put("bias", bias);
        return LayerSpec.of("conv2d", a);
    }

    static List<Long> pair(int[] p) {
        return List.of((long) p[0], (long) p[1]);
    }

    @Override
    public String toString() {
        StringBuilder sb =
                new StringBuilder("Conv2d(")
                        .append(inChannels)
                        .append(", ")
                        .append(outChannels)
                        .append(", kernel_size=(")
                        .append(kernel[0])
                        .append(", ")
                        .append(kernel[1])
                        .append("), stride=(")
                        .append(stride[0])
                        .append(", ")
                        .append(stride[1])
                        .append(')');
        if (padding[0] != 0 || padding[1] != 0) {
            sb.append(", padding=(").append(padding[0]).append(", ").append(padding[1]).append(')');
        }
        if (dilation[0] != 1 || dilation[1] != 1) {
            sb.append(", dilation=(")
                    .append(dilation[0])
                    .append(", ")
                    .append(dilation[1])
                    .append(')');
        }
        if (groups != 1) {
            sb.append(", groups=").append(groups);
        }
        if (!bias) {
            sb.append(", bias=False");
        }
        return sb.append(')').toString();
    }
}
