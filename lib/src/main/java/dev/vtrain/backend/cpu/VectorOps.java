package dev.vtrain.backend.cpu;

import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.LT;
import static jdk.incubator.vector.VectorOperators.MAX;

import dev.vtrain.backend.Activation;
import dev.vtrain.backend.ShapeChecks;
import dev.vtrain.backend.scalar.ScalarBackend;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Element-wise, row-wise and reduction kernels over ranges of off-heap floats. Each method works on
 * byte offsets into segments and a count, so callers can split one call across threads. Tails
 * shorter than a vector run the scalar reference formula.
 */
final class VectorOps {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final long VB = (long) L * Float.BYTES;
    private static final ByteOrder O = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private VectorOps() {}

    private static long vectorEnd(long n) {
        return (n - n % L) * Float.BYTES;
    }

    static void fill(MemorySegment x, long off, long n, float value) {
        FloatVector v = FloatVector.broadcast(S, value);
        long end = vectorEnd(n);
        long p = 0;
        for (; p < end; p += VB) {
            v.intoMemorySegment(x, off + p, O);
        }
        for (; p < n * Float.BYTES; p += Float.BYTES) {
            x.set(F, off + p, value);
        }
    }

    static void scale(MemorySegment x, long off, long n, float s) {
        long end = vectorEnd(n);
        long p = 0;
        for (; p < end; p += VB) {
            FloatVector.fromMemorySegment(S, x, off + p, O).mul(s).intoMemorySegment(x, off + p, O);
        }
        for (; p < n * Float.BYTES; p += Float.BYTES) {
            x.set(F, off + p, x.get(F, off + p) * s);
        }
    }

    static double sumOfSquares(MemorySegment x, long off, long n, MemorySegment scr, long scrOff) {
        // Float partial sums per block of vectors, carried in double across blocks.
        double total = 0;
        long end = vectorEnd(n);
        long p = 0;
        while (p < end) {
            long blockEnd = Math.min(end, p + 256 * VB);
            FloatVector acc = FloatVector.zero(S);
            for (; p < blockEnd; p += VB) {
                FloatVector v = FloatVector.fromMemorySegment(S, x, off + p, O);
                acc = v.fma(v, acc);
            }
            acc.intoMemorySegment(scr, scrOff, O);
            total += VectorReduce.sumAt(scr, scrOff);
        }
        for (; p < n * Float.BYTES; p += Float.BYTES) {
            double v = x.get(F, off + p);
            total += v * v;
        }
        return total;
    }

    /** x[i, :] += bias for rows [r0, r1) of an (rows × n) matrix. */
    static void addRowVector(
            MemorySegment x, long xOff, MemorySegment bias, long bOff, int n, int r0, int r1) {
        long end = vectorEnd(n);
        for (int i = r0; i < r1; i++) {
            long row = xOff + (long) i * n * Float.BYTES;
            long p = 0;
            for (; p < end; p += VB) {
                FloatVector.fromMemorySegment(S, x, row + p, O)
                        .add(FloatVector.fromMemorySegment(S, bias, bOff + p, O))
                        .intoMemorySegment(x, row + p, O);
            }
            for (; p < (long) n * Float.BYTES; p += Float.BYTES) {
                x.set(F, row + p, x.get(F, row + p) + bias.get(F, bOff + p));
            }
        }
    }

    /** dst[j] = beta·dst[j] + Σ_i src[i, j] over columns [j0, j1) of a (rows × n) matrix. */
    static void sumRows(
            MemorySegment src,
            long sOff,
            int rows,
            int n,
            MemorySegment dst,
            long dOff,
            float beta,
            int j0,
            int j1) {
        int j = j0;
        long rowBytes = (long) n * Float.BYTES;
        for (; j + L <= j1; j += L) {
            long col = (long) j * Float.BYTES;
            FloatVector acc = FloatVector.zero(S);
            for (int i = 0; i < rows; i++) {
                acc = acc.add(FloatVector.fromMemorySegment(S, src, sOff + i * rowBytes + col, O));
            }
            if (beta != 0f) {
                acc =
                        FloatVector.fromMemorySegment(S, dst, dOff + col, O)
                                .fma(FloatVector.broadcast(S, beta), acc);
            }
            acc.intoMemorySegment(dst, dOff + col, O);
        }
        for (; j < j1; j++) {
            long col = (long) j * Float.BYTES;
            float sum = 0f;
            for (int i = 0; i < rows; i++) {
                sum += src.get(F, sOff + i * rowBytes + col);
            }
            dst.set(F, dOff + col, (beta == 0f ? 0f : beta * dst.get(F, dOff + col)) + sum);
        }
    }

    /**
     * gradIn = gradOut · f'(out) and dst[j] = beta·dst[j] + Σ_i gradIn[i, j], for columns [j0, j1)
     * of (rows × n) matrices, one column vector at a time so each sum stays in a register.
     */
    static void activationBackwardSumRows(
            Activation f,
            MemorySegment out,
            long outOff,
            MemorySegment gOut,
            long gOutOff,
            MemorySegment gIn,
            long gInOff,
            int rows,
            int n,
            MemorySegment dst,
            long dOff,
            float beta,
            int j0,
            int j1) {
        long rowBytes = (long) n * Float.BYTES;
        int j = j0;
        for (; j + L <= j1; j += L) {
            long col = (long) j * Float.BYTES;
            FloatVector acc = FloatVector.zero(S);
            for (int i = 0; i < rows; i++) {
                long e = i * rowBytes + col;
                FloatVector y = FloatVector.fromMemorySegment(S, out, outOff + e, O);
                FloatVector g = FloatVector.fromMemorySegment(S, gOut, gOutOff + e, O);
                FloatVector d =
                        switch (f) {
                            case RELU -> FloatVector.zero(S).blend(g, y.compare(GT, 0f));
                            case SIGMOID -> g.mul(y.neg().add(1f).mul(y));
                            case TANH -> g.mul(y.mul(y).neg().add(1f));
                        };
                d.intoMemorySegment(gIn, gInOff + e, O);
                acc = acc.add(d);
            }
            if (beta != 0f) {
                acc =
                        FloatVector.fromMemorySegment(S, dst, dOff + col, O)
                                .fma(FloatVector.broadcast(S, beta), acc);
            }
            acc.intoMemorySegment(dst, dOff + col, O);
        }
        for (; j < j1; j++) {
            long col = (long) j * Float.BYTES;
            float sum = 0f;
            for (int i = 0; i < rows; i++) {
                long e = i * rowBytes + col;
                float y = out.get(F, outOff + e);
                float g = gOut.get(F, gOutOff + e);
                float d =
                        f == Activation.RELU
                                ? (y > 0f ? g : 0f)
                                : g * ScalarBackend.derivative(f, y);
                gIn.set(F, gInOff + e, d);
                sum += d;
            }
            dst.set(F, dOff + col, (beta == 0f ? 0f : beta * dst.get(F, dOff + col)) + sum);
        }
    }

    static void activation(
            Activation f, MemorySegment in, long inOff, MemorySegment out, long outOff, long n) {
        long end = vectorEnd(n);
        long p = 0;
        switch (f) {
            case RELU -> {
                for (; p < end; p += VB) {
                    FloatVector.fromMemorySegment(S, in, inOff + p, O)
                            .lanewise(MAX, 0f)
                            .intoMemorySegment(out, outOff + p, O);
                }
            }
            case SIGMOID -> {
                VectorMath.apply(VectorMath.SIGMOID, in, inOff, out, outOff, n, 0f);
                return;
            }
            case TANH -> {
                VectorMath.apply(VectorMath.TANH, in, inOff, out, outOff, n, 0f);
                return;
            }
        }
        for (; p < n * Float.BYTES; p += Float.BYTES) {
            out.set(F, outOff + p, ScalarBackend.activate(f, in.get(F, inOff + p)));
        }
    }

    static void activationBackward(
            Activation f,
            MemorySegment out,
            long outOff,
            MemorySegment gradOut,
            long gOff,
            MemorySegment gradIn,
            long giOff,
            long n) {
        long end = vectorEnd(n);
        long p = 0;
        switch (f) {
            case RELU -> {
                FloatVector zero = FloatVector.zero(S);
                for (; p < end; p += VB) {
                    VectorMask<Float> on =
                            FloatVector.fromMemorySegment(S, out, outOff + p, O).compare(GT, 0f);
                    zero.blend(FloatVector.fromMemorySegment(S, gradOut, gOff + p, O), on)
                            .intoMemorySegment(gradIn, giOff + p, O);
                }
            }
            case SIGMOID -> {
                for (; p < end; p += VB) {
                    FloatVector y = FloatVector.fromMemorySegment(S, out, outOff + p, O);
                    FloatVector d = y.neg().add(1f).mul(y);
                    FloatVector.fromMemorySegment(S, gradOut, gOff + p, O)
                            .mul(d)
                            .intoMemorySegment(gradIn, giOff + p, O);
                }
            }
            case TANH -> {
                for (; p < end; p += VB) {
                    FloatVector y = FloatVector.fromMemorySegment(S, out, outOff + p, O);
                    FloatVector d = y.mul(y).neg().add(1f);
                    FloatVector.fromMemorySegment(S, gradOut, gOff + p, O)
                            .mul(d)
                            .intoMemorySegment(gradIn, giOff + p, O);
                }
            }
        }
        for (; p < n * Float.BYTES; p += Float.BYTES) {
            float y = out.get(F, outOff + p);
            float g = gradOut.get(F, gOff + p);
            float d = f == Activation.RELU ? (y > 0f ? g : 0f) : g * ScalarBackend.derivative(f, y);
            gradIn.set(F, giOff + p, d);
        }
    }

    private static int label(MemorySegment labels, long lOff, int row, int classes) {
        float l = labels.get(F, lOff + (long) row * Float.BYTES);
        int c = (int) l;
        if (c != l || c < 0 || c >= classes) {
            throw ShapeChecks.badLabel(l, row, classes);
        }
        return c;
    }

    private static float rowMax(MemorySegment x, long row, int n) {
        long end = vectorEnd(n);
        float max = Float.NEGATIVE_INFINITY;
        long p = 0;
        if (end > 0) {
            FloatVector m = FloatVector.fromMemorySegment(S, x, row, O);
            for (p = VB; p < end; p += VB) {
                m = m.max(FloatVector.fromMemorySegment(S, x, row + p, O));
            }
            max = m.reduceLanes(MAX);
        }
        for (; p < (long) n * Float.BYTES; p += Float.BYTES) {
            max = Math.max(max, x.get(F, row + p));
        }
        return max;
    }

    /** Softmax cross-entropy for rows [r0, r1); returns the rows' summed loss. */
    static float softmaxCrossEntropy(
            MemorySegment logits,
            long lgOff,
            int n,
            MemorySegment labels,
            long lbOff,
            MemorySegment grad,
            long gOff,
            float gradScale,
            int r0,
            int r1,
            MemorySegment scr,
            long scrOff) {
        float total = 0f;
        long rowBytes = (long) n * Float.BYTES;
        for (int i = r0; i < r1; i++) {
            int target = label(labels, lbOff, i, n);
            long row = lgOff + i * rowBytes;
            float max = rowMax(logits, row, n);
            long gRow = gOff + i * rowBytes;
            // With a gradient buffer, exp(x - max) is stored there and rescaled; without, only
            // summed.
            float sum;
            if (grad != null) {
                VectorMath.apply(VectorMath.EXP, logits, row, grad, gRow, n, max);
                sum = sum(grad, gRow, n, scr, scrOff);
            } else {
                sum = 0f;
                for (long q = 0; q < rowBytes; q += Float.BYTES) {
                    sum += (float) Math.exp(logits.get(F, row + q) - max);
                }
            }
            total += (float) Math.log(sum) + max - logits.get(F, row + (long) target * Float.BYTES);
            if (grad != null) {
                VectorOps.scale(grad, gRow, n, gradScale / sum);
                long t = gRow + (long) target * Float.BYTES;
                grad.set(F, t, grad.get(F, t) - gradScale);
            }
        }
        return total;
    }

    /** Squared error over elements [0, n); returns Σ d². */
    static float squaredError(
            MemorySegment pred,
            long pOff,
            MemorySegment target,
            long tOff,
            MemorySegment grad,
            long gOff,
            float gradScale,
            long n,
            MemorySegment scr,
            long scrOff) {
        long end = vectorEnd(n);
        long p = 0;
        FloatVector acc = FloatVector.zero(S);
        float k = 2f * gradScale;
        for (; p < end; p += VB) {
            FloatVector d =
                    FloatVector.fromMemorySegment(S, pred, pOff + p, O)
                            .sub(FloatVector.fromMemorySegment(S, target, tOff + p, O));
            acc = d.fma(d, acc);
            if (grad != null) {
                d.mul(k).intoMemorySegment(grad, gOff + p, O);
            }
        }
        acc.intoMemorySegment(scr, scrOff, O);
        float total = VectorReduce.sumAt(scr, scrOff);
        for (; p < n * Float.BYTES; p += Float.BYTES) {
            float d = pred.get(F, pOff + p) - target.get(F, tOff + p);
            total += d * d;
            if (grad != null) {
                grad.set(F, gOff + p, d * k);
            }
        }
        return total;
    }

    /** Number of rows in [r0, r1) whose first arg-max equals the label. */
    static int countCorrect(
            MemorySegment logits,
            long lgOff,
            int n,
            MemorySegment labels,
            long lbOff,
            int r0,
            int r1) {
        int hits = 0;
        long rowBytes = (long) n * Float.BYTES;
        for (int i = r0; i < r1; i++) {
            long row = lgOff + i * rowBytes;
            int best = 0;
            float bestValue = logits.get(F, row);
            for (int j = 1; j < n; j++) {
                float v = logits.get(F, row + (long) j * Float.BYTES);
                if (v > bestValue) {
                    bestValue = v;
                    best = j;
                }
            }
            if (best == labels.get(F, lbOff + (long) i * Float.BYTES)) {
                hits++;
            }
        }
        return hits;
    }

    static void multiply(
            MemorySegment a,
            long aOff,
            MemorySegment b,
            long bOff,
            MemorySegment out,
            long oOff,
            long n) {
        long end = vectorEnd(n);
        long p = 0;
        for (; p < end; p += VB) {
            FloatVector.fromMemorySegment(S, a, aOff + p, O)
                    .mul(FloatVector.fromMemorySegment(S, b, bOff + p, O))
                    .intoMemorySegment(out, oOff + p, O);
        }
        for (; p < n * Float.BYTES; p += Float.BYTES) {
            out.set(F, oOff + p, a.get(F, aOff + p) * b.get(F, bOff + p));
        }
    }

    static void add(
            MemorySegment a,
            long aOff,
            MemorySegment b,
            long bOff,
            MemorySegment out,
            long oOff,
            long n) {
        long end = vectorEnd(n);
        long p = 0;
        for (; p < end; p += VB) {
            FloatVector.fromMemorySegment(S, a, aOff + p, O)
                    .add(FloatVector.fromMemorySegment(S, b, bOff + p, O))
                    .intoMemorySegment(out, oOff + p, O);
        }
        for (; p < n * Float.BYTES; p += Float.BYTES) {
            out.set(F, oOff + p, a.get(F, aOff + p) + b.get(F, bOff + p));
        }
    }

    static void clamp(MemorySegment x, long off, long n, float lo, float hi) {
        long end = vectorEnd(n);
        long p = 0;
        for (; p < end; p += VB) {
            FloatVector v = FloatVector.fromMemorySegment(S, x, off + p, O);
            // compare-and-blend rather than max/min, so NaN stays NaN as in the reference
            v = v.blend(FloatVector.broadcast(S, lo), v.compare(LT, lo));
            v = v.blend(FloatVector.broadcast(S, hi), v.compare(GT, hi));
            v.intoMemorySegment(x, off + p, O);
        }
        for (; p < n * Float.BYTES; p += Float.BYTES) {
            float v = x.get(F, off + p);
            x.set(F, off + p, v < lo ? lo : (v > hi ? hi : v));
        }
    }

    /** grad += lambda · sign(param); returns Σ|param|. */
    static double addL1Gradient(
            MemorySegment param,
            long pOff,
            MemorySegment grad,
            long gOff,
            long n,
            float lambda,
            MemorySegment scr,
            long scrOff) {
        long end = vectorEnd(n);
        long p = 0;
        double total = 0;
        FloatVector plus = FloatVector.broadcast(S, lambda);
        FloatVector minus = FloatVector.broadcast(S, -lambda);
        FloatVector zero = FloatVector.zero(S);
        while (p < end) {
            long blockEnd = Math.min(end, p + 256 * VB);
            FloatVector acc = zero;
            for (; p < blockEnd; p += VB) {
                FloatVector w = FloatVector.fromMemorySegment(S, param, pOff + p, O);
                acc = acc.add(w.abs());
                FloatVector s = zero.blend(plus, w.compare(GT, 0f)).blend(minus, w.compare(LT, 0f));
                FloatVector.fromMemorySegment(S, grad, gOff + p, O)
                        .add(s)
                        .intoMemorySegment(grad, gOff + p, O);
            }
            acc.intoMemorySegment(scr, scrOff, O);
            total += VectorReduce.sumAt(scr, scrOff);
        }
        for (; p < n * Float.BYTES; p += Float.BYTES) {
            float w = param.get(F, pOff + p);
            total += Math.abs(w);
            grad.set(F, gOff + p, grad.get(F, gOff + p) + lambda * Math.signum(w));
        }
        return total;
    }

    /** Σ x over [0, n): vector partial sums in fixed order, then the scalar tail. */
    static float sum(MemorySegment x, long off, long n, MemorySegment scr, long scrOff) {
        long end = vectorEnd(n);
        long p = 0;
        FloatVector acc = FloatVector.zero(S);
        for (; p < end; p += VB) {
            acc = acc.add(FloatVector.fromMemorySegment(S, x, off + p, O));
        }
        acc.intoMemorySegment(scr, scrOff, O);
        float total = VectorReduce.sumAt(scr, scrOff);
        for (; p < n * Float.BYTES; p += Float.BYTES) {
            total += x.get(F, off + p);
        }
        return total;
    }
}
