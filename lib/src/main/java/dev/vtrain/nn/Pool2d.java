package dev.vtrain.nn;

import dev.vtrain.backend.ConvOps;
import dev.vtrain.backend.PoolGeometry;
import dev.vtrain.tensor.Shape;
import dev.vtrain.tensor.SlabPlan;
import dev.vtrain.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * 2-d pooling over channels-last images, as PyTorch's {@code nn.MaxPool2d}, {@code nn.AvgPool2d}
 * (floor mode, {@code count_include_pad=True}) and {@code nn.AdaptiveAvgPool2d}; create one with
 * {@link #max}, {@link #avg} or {@link #adaptiveAvg}. Max pooling keeps the index of each maximum
 * for backward. Build and run it on the thread that owns its model (see {@link Model}); {@link
 * #declare} stores per-model state, so an instance belongs to at most one model.
 */
public final class Pool2d implements Layer {
    /** Which pooling. */
    public enum Kind {
        /** Maximum over the window. */
        MAX,
        /** Mean over the window. */
        AVG,
        /** Mean over adaptive windows for a fixed output size. */
        ADAPTIVE_AVG
    }

    private final Kind kind;
    private final int[] kernel;
    private final int[] stride;
    private final int[] padding;
    private final int[] output;
    private PoolGeometry geometry;
    private ConvOps ops;
    private SlabPlan.Slot argmax;

    private Pool2d(Kind kind, int[] kernel, int[] stride, int[] padding, int[] output) {
        this.kind = kind;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.output = output;
        if (kind == Kind.ADAPTIVE_AVG) {
            if (output[0] <= 0 || output[1] <= 0) {
                throw new IllegalArgumentException(this + ": output size must be positive");
            }
        } else {
            for (int i = 0; i < 2; i++) {
                if (kernel[i] <= 0 || stride[i] <= 0 || padding[i] < 0) {
                    throw new IllegalArgumentException(
                            this + ": kernel and stride must be positive, padding non-negative");
                }
                if (padding[i] * 2 > kernel[i]) {
                    throw new IllegalArgumentException(
                            this + ": pad should be at most half of the kernel size");
                }
            }
        }
    }

    /** {@code MaxPool2d(kernel, stride, padding)}, each {@code {height, width}}. */
    public static Pool2d max(int[] kernel, int[] stride, int[] padding) {
        return new Pool2d(Kind.MAX, kernel.clone(), stride.clone(), padding.clone(), null);
    }

    /** {@code MaxPool2d(k)}: window and stride k. */
    public static Pool2d max(int k) {
        return max(new int[] {k, k}, new int[] {k, k}, new int[] {0, 0});
    }

    /** {@code AvgPool2d(kernel, stride, padding)}, each {@code {height, width}}. */
    public static Pool2d avg(int[] kernel, int[] stride, int[] padding) {
        return new Pool2d(Kind.AVG, kernel.clone(), stride.clone(), padding.clone(), null);
    }

    /** {@code AdaptiveAvgPool2d((oh, ow))}. */
    public static Pool2d adaptiveAvg(int oh, int ow) {
        return new Pool2d(Kind.ADAPTIVE_AVG, null, null, null, new int[] {oh, ow});
    }

    private PoolGeometry geometry(Shape in) {
        int c = in.dim(0);
        int h = in.dim(1);
        int w = in.dim(2);
        return kind == Kind.ADAPTIVE_AVG
                ? PoolGeometry.adaptive(h, w, c, output[0], output[1])
                : PoolGeometry.window(
                        h,
                        w,
                        c,
                        kernel[0],
                        kernel[1],
                        stride[0],
                        stride[1],
                        padding[0],
                        padding[1]);
    }

    @Override
    public Shape outputShape(Shape input) {
        if (input.rank() != 3) {
            throw new IllegalArgumentException(
                    this + ": expected input (C, H, W) but got " + input);
        }
        PoolGeometry g = geometry(input);
        if (g.oh() < 1 || g.ow() < 1) {
            throw new IllegalArgumentException(
                    this + ": input " + input + " is smaller than the window");
        }
        return Shape.of(input.dim(0), g.oh(), g.ow());
    }

    @Override
    public void declare(Plan plan, Shape input) {
        geometry = geometry(input);
        ops = plan.conv();
        if (kind == Kind.MAX) {
            argmax = plan.activation("argmax", outputShape(input));
        }
    }

    @Override
    public void forward(Step step, Tensor x, Tensor y) {
        switch (kind) {
            case MAX -> ops.maxPool(y, step.training() ? step.get(argmax) : null, x, geometry);
            case AVG, ADAPTIVE_AVG -> ops.avgPool(y, x, geometry);
        }
    }

    @Override
    public void backward(Step step, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        if (dx == null) {
            return;
        }
        switch (kind) {
            case MAX -> {
                if (!step.training()) {
                    throw new IllegalStateException(
                            this + ": backward needs a training-mode forward");
                }
                ops.maxPoolBackward(dx, dy, step.get(argmax), geometry);
            }
            case AVG, ADAPTIVE_AVG -> ops.avgPoolBackward(dx, dy, geometry);
        }
    }

    @Override
    public LayerSpec spec() {
        Map<String, Object> a = new LinkedHashMap<>();
        if (kind == Kind.ADAPTIVE_AVG) {
            a.put("output_size", Conv2d.pair(output));
            return LayerSpec.of("adaptiveavgpool2d", a);
        }
        a.put("kernel_size", Conv2d.pair(kernel));
        a.put("stride", Conv2d.pair(stride));
        a.put("padding", Conv2d.pair(padding));
        return LayerSpec.of(kind == Kind.MAX ? "maxpool2d" : "avgpool2d", a);
    }

    @Override
    public String toString() {
        if (kind == Kind.ADAPTIVE_AVG) {
            return "AdaptiveAvgPool2d(output_size=(" + output[0] + ", " + output[1] + "))";
        }
        return (kind == Kind.MAX ? "MaxPool2d" : "AvgPool2d")
                + "(kernel_size=("
                + kernel[0]
                + ", "
                + kernel[1]
                + "), stride=("
                + stride[0]
                + ", "
                + stride[1]
                + "), padding=("
                + padding[0]
                + ", "
                + padding[1]
                + "))";
    }
}
