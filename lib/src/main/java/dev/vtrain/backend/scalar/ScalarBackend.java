package dev.vtrain.backend.scalar;

import dev.vtrain.backend.Activation;
import dev.vtrain.backend.Backend;
import dev.vtrain.backend.DropoutHash;
import dev.vtrain.backend.ShapeChecks;
import dev.vtrain.tensor.HostStorage;
import dev.vtrain.tensor.Storage;
import dev.vtrain.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Reference implementation of {@link Backend} with plain loops on one thread. Sums accumulate in
 * float, as the fast kernels do, except {@link #sumOfSquares} (double).
 */
public final class ScalarBackend implements Backend {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private final ScalarConvOps conv = new ScalarConvOps();
    private final ScalarNormOps norms = new ScalarNormOps();

    @Override
    public dev.vtrain.backend.ConvOps conv() {
        return conv;
    }

    private final ScalarUpdateOps updates = new ScalarUpdateOps();

    @Override
    public dev.vtrain.backend.UpdateOps updates() {
        return updates;
    }

    @Override
    public dev.vtrain.backend.NormOps norms() {
        return norms;
    }

    private final ScalarSequenceOps sequence = new ScalarSequenceOps();

    @Override
    public dev.vtrain.backend.SequenceOps sequence() {
        return sequence;
    }

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public String description() {
        return "scalar reference kernels, 1 thread";
    }

    @Override
    public Storage allocate(long elements) {
        return HostStorage.allocate(elements);
    }

    private static float get(Tensor t, long i) {
        return t.segment().getAtIndex(F, t.offset() + i);
    }

    private static void set(Tensor t, long i, float v) {
        t.segment().setAtIndex(F, t.offset() + i, v);
    }

    @Override
    public void upload(float[] src, int srcOffset, Tensor dst) {
        ShapeChecks.hostRange("upload", src, srcOffset, dst.size());
        MemorySegment.copy(src, srcOffset, dst.segment(), F, dst.byteOffset(), (int) dst.size());
    }

    @Override
    public void download(Tensor src, float[] dst, int dstOffset) {
        ShapeChecks.hostRange("download", dst, dstOffset, src.size());
        MemorySegment.copy(src.segment(), F, src.byteOffset(), dst, dstOffset, (int) src.size());
    }

    @Override
    public void fill(Tensor t, float value) {
        for (long i = 0; i < t.size(); i++) {
            set(t, i, value);
        }
    }

    @Override
    public void gemm(
            Tensor c, Tensor a, boolean transA, Tensor b, boolean transB, float alpha, float beta) {
        ShapeChecks.gemm(c, a, transA, b, transB);
        int m = c.rows();
        int n = c.cols();
        int k = transA ? a.rows() : a.cols();
        int lda = a.cols();
        int ldb = b.cols();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float sum = 0f;
                for (int p = 0; p < k; p++) {
                    float av = transA ? get(a, (long) p * lda + i) : get(a, (long) i * lda + p);
                    float bv = transB ? get(b, (long) j * ldb + p) : get(b, (long) p * ldb + j);
                    sum += av * bv;
                }
                long ci = (long) i * n + j;
                float old = beta == 0f ? 0f : beta * get(c, ci);
                set(c, ci, alpha * sum + old);
            }
        }
    }

    @Override
    public void addRowVector(Tensor x, Tensor bias) {
        ShapeChecks.length("addRowVector", bias, x.cols());
        int n = x.cols();
        for (int i = 0; i < x.rows(); i++) {
            for (int j = 0; j < n; j++) {
                long xi = (long) i * n + j;
                set(x, xi, get(x, xi) + get(bias, j));
            }
        }
    }

    @Override
    public void sumRows(Tensor src, Tensor dst, float beta) {
        ShapeChecks.length("sumRows", dst, src.cols());
        int n = src.cols();
        for (int j = 0; j < n; j++) {
            float sum = 0f;
            for (int i = 0; i < src.rows(); i++) {
                sum += get(src, (long) i * n + j);
            }
            set(dst, j, (beta == 0f ? 0f : beta * get(dst, j)) + sum);
        }
    }

    /** The activation of one value, shared with the CPU backend's tail loops. */
    public static float activate(Activation f, float x) {
        return switch (f) {
            case RELU -> x > 0f ? x : 0f;
            case SIGMOID -> (float) (1.0 / (1.0 + Math.exp(-x)));
            case TANH -> (float) Math.tanh(x);
        };
    }

    /** The derivative of an activation expressed through its output {@code y}. */
    public static float derivative(Activation f, float y) {
        return switch (f) {
            case RELU -> y > 0f ? 1f : 0f;
            case SIGMOID -> y * (1f - y);
            case TANH -> 1f - y * y;
        };
    }

    @Override
    public void activation(Activation f, Tensor in, Tensor out) {
        ShapeChecks.same("activation", in, out);
        for (long i = 0; i < in.size(); i++) {
            set(out, i, activate(f, get(in, i)));
        }
    }

    @Override
    public void activationBackward(Activation f, Tensor out, Tensor gradOut, Tensor gradIn) {
        ShapeChecks.same("activationBackward", out, gradOut);
        ShapeChecks.same("activationBackward", out, gradIn);
        for (long i = 0; i < out.size(); i++) {
            float g = get(gradOut, i);
            // ReLU selects rather than multiplies, so an infinite gradient in a dead unit stays 0.
            float d =
                    f == Activation.RELU
                            ? (get(out, i) > 0f ? g : 0f)
                            : g * derivative(f, get(out, i));
            set(gradIn, i, d);
        }
    }

    /** Validates a float label as a class index. */
    static int label(Tensor labels, int row, int classes) {
        float l = get(labels, row);
        int c = (int) l;
        if (c != l || c < 0 || c >= classes) {
            throw ShapeChecks.badLabel(l, row, classes);
        }
        return c;
    }

    @Override
    public void softmaxCrossEntropy(
            Tensor logits, Tensor labels, Tensor gradLogits, float gradScale, Tensor lossSum) {
        ShapeChecks.classification("softmaxCrossEntropy", logits, labels, gradLogits);
        int n = logits.cols();
        float total = 0f;
        for (int i = 0; i < logits.rows(); i++) {
            int target = label(labels, i, n);
            long row = (long) i * n;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                max = Math.max(max, get(logits, row + j));
            }
            float sum = 0f;
            for (int j = 0; j < n; j++) {
                sum += (float) Math.exp(get(logits, row + j) - max);
            }
            total += (float) Math.log(sum) + max - get(logits, row + target);
            if (gradLogits != null) {
                float inv = 1f / sum;
                for (int j = 0; j < n; j++) {
                    float p = (float) Math.exp(get(logits, row + j) - max) * inv;
                    set(gradLogits, row + j, (p - (j == target ? 1f : 0f)) * gradScale);
                }
            }
        }
        set(lossSum, 0, get(lossSum, 0) + total);
    }

    @Override
    public void squaredError(
            Tensor pred, Tensor target, Tensor grad, float gradScale, Tensor lossSum) {
        ShapeChecks.same("squaredError", pred, target);
        if (grad != null) {
            ShapeChecks.same("squaredError", pred, grad);
        }
        float total = 0f;
        for (long i = 0; i < pred.size(); i++) {
            float d = get(pred, i) - get(target, i);
            total += d * d;
            if (grad != null) {
                set(grad, i, 2f * d * gradScale);
            }
        }
        set(lossSum, 0, get(lossSum, 0) + total);
    }

    @Override
    public void countCorrect(Tensor logits, Tensor labels, Tensor correct) {
        ShapeChecks.classification("countCorrect", logits, labels, null);
        int n = logits.cols();
        int hits = 0;
        for (int i = 0; i < logits.rows(); i++) {
            long row = (long) i * n;
            int best = 0;
            for (int j = 1; j < n; j++) {
                if (get(logits, row + j) > get(logits, row + best)) {
                    best = j;
                }
            }
            if (best == get(labels, i)) {
                hits++;
            }
        }
        set(correct, 0, get(correct, 0) + hits);
    }

    @Override
    public double sumOfSquares(Tensor x) {
        double s = 0;
        for (long i = 0; i < x.size(); i++) {
            double v = get(x, i);
            s += v * v;
        }
        return s;
    }

    @Override
    public void scale(Tensor x, float s) {
        for (long i = 0; i < x.size(); i++) {
            set(x, i, get(x, i) * s);
        }
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        ShapeChecks.length("copy", dst, src.size());
        for (long i = 0; i < src.size(); i++) {
            set(dst, i, get(src, i));
        }
    }

    @Override
    public void multiply(Tensor a, Tensor b, Tensor out) {
        ShapeChecks.same("multiply", a, b);
        ShapeChecks.same("multiply", a, out);
        for (long i = 0; i < a.size(); i++) {
            set(out, i, get(a, i) * get(b, i));
        }
    }

    @Override
    public void add(Tensor a, Tensor b, Tensor out) {
        ShapeChecks.same("add", a, b);
        ShapeChecks.same("add", a, out);
        for (long i = 0; i < a.size(); i++) {
            set(out, i, get(a, i) + get(b, i));
        }
    }

    @Override
    public void clamp(Tensor x, float lo, float hi) {
        for (long i = 0; i < x.size(); i++) {
            float v = get(x, i);
            set(x, i, v < lo ? lo : (v > hi ? hi : v));
        }
    }

    @Override
    public double addL1Gradient(Tensor param, Tensor grad, float lambda) {
        ShapeChecks.same("addL1Gradient", param, grad);
        double sum = 0;
        for (long i = 0; i < param.size(); i++) {
            float w = get(param, i);
            sum += Math.abs(w);
            set(grad, i, get(grad, i) + lambda * Math.signum(w));
        }
        return sum;
    }

    @Override
    public void dropoutMask(Tensor mask, float p, long key) {
        int threshold = DropoutHash.threshold(p);
        float scale = 1f / (1f - p);
        for (long i = 0; i < mask.size(); i++) {
            set(mask, i, DropoutHash.keep(key, i, threshold) ? scale : 0f);
        }
    }

    @Override
    public void close() {}
}
