package dev.vtrain.backend.cpu;

import dev.vtrain.backend.ShapeChecks;
import dev.vtrain.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * GELU forward and backward on the CPU, exact (erf by Abramowitz & Stegun 7.1.26, |error| < 1.5e-7,
 * the form PyTorch's vectorised erf uses) or with the tanh approximation. One task per block of
 * elements, each in chunks held in per-worker arrays: the exponent of a chunk is taken in one void
 * pass over an array ({@link VectorMath#expInPlace}), then the gate Φ, then the output, so no
 * vector crosses a method boundary. Element-wise, so results do not depend on the thread count.
 */
final class CpuGelu implements Parallel.Body {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder O = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final int ELEMENTS_PER_TASK = 16384;
    private static final int CHUNK = 1024;
    private static final float P = 0.3275911f;
    private static final float A1 = 0.2548296f;
    private static final float A2 = -0.28449672f;
    private static final float A3 = 1.4214138f;
    private static final float A4 = -1.4531521f;
    private static final float A5 = 1.0614054f;
    private static final float SQRT_HALF = (float) Math.sqrt(0.5);
    private static final float INV_SQRT_2PI = (float) (1 / Math.sqrt(2 * Math.PI));
    private static final float TANH_SCALE = (float) Math.sqrt(2 / Math.PI);
    private static final float TANH_CUBIC = 0.044715f;

    private final Parallel parallel;
    private final float[][] buffers;
    private final float[][] gates;
    private boolean backward;
    private boolean tanh;
    private Tensor a;
    private Tensor b;
    private Tensor c;

    CpuGelu(Parallel parallel) {
        this.parallel = parallel;
        this.buffers = new float[parallel.threads()][CHUNK];
        this.gates = new float[parallel.threads()][CHUNK];
    }

    /** Overwrites {@code y} with GELU(x). */
    void forward(Tensor y, Tensor x, boolean tanh) {
        ShapeChecks.same("gelu", x, y);
        this.a = x;
        this.b = y;
        this.tanh = tanh;
        this.backward = false;
        run(x.size());
    }

    /** Overwrites {@code dx} with dy · GELU'(x). */
    void backward(Tensor dx, Tensor dy, Tensor x, boolean tanh) {
        ShapeChecks.same("geluBackward", x, dy);
        ShapeChecks.same("geluBackward", x, dx);
        this.a = x;
        this.b = dy;
        this.c = dx;
        this.tanh = tanh;
        this.backward = true;
        run(x.size());
    }

    private void run(long n) {
        parallel.forEach((int) ((n + ELEMENTS_PER_TASK - 1) / ELEMENTS_PER_TASK), this);
    }

    @Override
    public void run(int task, int worker) {
        long start = (long) task * ELEMENTS_PER_TASK;
        long n = Math.min(a.size() - start, ELEMENTS_PER_TASK);
        if (backward) {
            geluBackwardRange(start, n, buffers[worker], gates[worker]);
        } else {
            geluRange(start, n, buffers[worker], gates[worker]);
        }
    }

    private static float erfPositive(float z, float e) {
        float t = 1f / (1f + P * z);
        float poly = ((((A5 * t + A4) * t + A3) * t + A2) * t + A1) * t;
        return 1f - poly * e;
    }

    /**
     * Fills {@code buf[0, m)} with the exponent GELU needs for {@code x[start + i]} ({@code -x²/2}
     * exact, {@code 2|u|} with the tanh form), pads it to whole vectors, and exponentiates it.
     */
    private void exponent(MemorySegment xs, long xo, int m, float[] buf) {
        int vec = m - m % L;
        int i = 0;
        for (; i < vec; i += L) {
            FloatVector x = FloatVector.fromMemorySegment(S, xs, xo + (long) i * Float.BYTES, O);
            FloatVector arg =
                    tanh
                            ? x.mul(x).mul(TANH_CUBIC).fma(x, x).mul(2 * TANH_SCALE).abs()
                            : x.mul(x).mul(-0.5f);
            arg.intoArray(buf, i);
        }
        for (; i < m; i++) {
            float x = xs.get(F, xo + (long) i * Float.BYTES);
            buf[i] = tanh ? Math.abs(2 * TANH_SCALE * (x + TANH_CUBIC * x * x * x)) : -0.5f * x * x;
        }
        int padded = (m + L - 1) / L * L;
        for (; i < padded; i++) {
            buf[i] = 0f;
        }
        VectorMath.expInPlace(buf, 0, padded);
    }

    /**
     * Overwrites {@code phi[0, m)} with the gate GELU multiplies x by — {@code Φ(x)} exact, {@code
     * (1 + tanh u) / 2} with the tanh form — from x and {@code e = exp(…)} of {@link #exponent}.
     */
    private void gate(MemorySegment xs, long xo, int m, float[] e, float[] phi) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        int vec = m - m % L;
        int i = 0;
        for (; i < vec; i += L) {
            FloatVector x = FloatVector.fromMemorySegment(S, xs, xo + (long) i * Float.BYTES, O);
            FloatVector ev = FloatVector.fromArray(S, e, i);
            FloatVector g;
            if (tanh) {
                // tanh|u| = 1 - 2 / (e^2|u| + 1), signed as u (as x).
                g = one.sub(FloatVector.broadcast(S, 2f).div(ev.add(one)));
            } else {
                FloatVector z = x.abs().mul(SQRT_HALF);
                FloatVector t = one.div(z.fma(FloatVector.broadcast(S, P), one));
                FloatVector poly =
                        FloatVector.broadcast(S, A5)
                                .fma(t, FloatVector.broadcast(S, A4))
                                .fma(t, FloatVector.broadcast(S, A3))
                                .fma(t, FloatVector.broadcast(S, A2))
                                .fma(t, FloatVector.broadcast(S, A1))
                                .mul(t);
                g = one.sub(poly.mul(ev));
            }
            g = g.blend(g.neg(), x.compare(VectorOperators.LT, 0f));
            g.add(1f).mul(0.5f).intoArray(phi, i);
        }
        for (; i < m; i++) {
            float x = xs.get(F, xo + (long) i * Float.BYTES);
            float g = tanh ? 1f - 2f / (e[i] + 1f) : erfPositive(Math.abs(x) * SQRT_HALF, e[i]);
            phi[i] = 0.5f * (1f + (x < 0 ? -g : g));
        }
    }

    private void geluRange(long start, long n, float[] e, float[] phi) {
        MemorySegment xs = a.segment();
        MemorySegment ys = b.segment();
        for (long c = 0; c < n; c += CHUNK) {
            int m = (int) Math.min(CHUNK, n - c);
            long xo = a.byteOffset() + (start + c) * Float.BYTES;
            long yo = b.byteOffset() + (start + c) * Float.BYTES;
            exponent(xs, xo, m, e);
            gate(xs, xo, m, e, phi);
            int vec = m - m % L;
            int i = 0;
            for (; i < vec; i += L) {
                long off = (long) i * Float.BYTES;
                FloatVector.fromMemorySegment(S, xs, xo + off, O)
                        .mul(FloatVector.fromArray(S, phi, i))
                        .intoMemorySegment(ys, yo + off, O);
            }
            for (; i < m; i++) {
                long off = (long) i * Float.BYTES;
                ys.set(F, yo + off, xs.get(F, xo + off) * phi[i]);
            }
        }
    }

    private void geluBackwardRange(long start, long n, float[] e, float[] phi) {
        MemorySegment xs = a.segment();
        MemorySegment ds = b.segment();
        MemorySegment gs = c.segment();
        for (long k = 0; k < n; k += CHUNK) {
            int m = (int) Math.min(CHUNK, n - k);
            long xo = a.byteOffset() + (start + k) * Float.BYTES;
            long dyo = b.byteOffset() + (start + k) * Float.BYTES;
            long dxo = c.byteOffset() + (start + k) * Float.BYTES;
            exponent(xs, xo, m, e);
            gate(xs, xo, m, e, phi);
            int vec = m - m % L;
            int i = 0;
            for (; i < vec; i += L) {
                long off = (long) i * Float.BYTES;
                FloatVector x = FloatVector.fromMemorySegment(S, xs, xo + off, O);
                FloatVector p = FloatVector.fromArray(S, phi, i);
                FloatVector d;
                if (tanh) {
                    // d/dx = Φ̃ + x/2 · (1 - th²) · du/dx with th = 2Φ̃ - 1.
                    FloatVector th = p.mul(2f).sub(1f);
                    FloatVector du = x.mul(x).mul(3 * TANH_CUBIC).add(1f).mul(TANH_SCALE);
                    d = p.add(th.mul(th).neg().add(1f).mul(du).mul(x).mul(0.5f));
                } else {
                    d = p.add(x.mul(FloatVector.fromArray(S, e, i)).mul(INV_SQRT_2PI));
                }
                FloatVector.fromMemorySegment(S, ds, dyo + off, O)
                        .mul(d)
                        .intoMemorySegment(gs, dxo + off, O);
            }
            for (; i < m; i++) {
                long off = (long) i * Float.BYTES;
                float x = xs.get(F, xo + off);
                float d;
                if (tanh) {
                    float th = 2f * phi[i] - 1f;
                    d =
                            phi[i]
                                    + 0.5f
                                            * x
                                            * (1f - th * th)
                                            * TANH_SCALE
                                            * (1f + 3 * TANH_CUBIC * x * x);
                } else {
                    d = phi[i] + x * e[i] * INV_SQRT_2PI;
                }
                gs.set(F, dxo + off, ds.get(F, dyo + off) * d);
            }
        }
    }
}
