package dev.vtrain.backend.cpu;

import dev.vtrain.backend.SequenceOps;
import dev.vtrain.backend.ShapeChecks;
import dev.vtrain.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Sequence ops on the CPU with the Vector API. Layer norm and GELU run one task per block of rows
 * (each row on its own, so the split does not change results); the layer norm's parameter gradients
 * are column sums of a scratch matrix in the backend's fixed-order {@code sumRows}. Attention runs
 * one task per (sequence, head) in {@link CpuAttention}. Embeddings are copies and row-order adds
 * on the calling thread.
 */
final class CpuSequenceOps implements SequenceOps, Parallel.Body {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder O = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final int ELEMENTS_PER_TASK = 16384;
    private static final int CHUNK = 1024;
    // Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), the form PyTorch's vectorised erf uses.
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

    private enum Kind {
        LAYER_NORM,
        LAYER_NORM_BACKWARD,
        GELU,
        GELU_BACKWARD
    }

    private final Parallel parallel;
    private final CpuBackend backend;
    private final CpuAttention attention;
    private final float[][] buffers;
    private final float[][] gates;
    private Kind kind;
    private Tensor a;
    private Tensor b;
    private Tensor c;
    private Tensor gamma;
    private Tensor bias;
    private Tensor mean;
    private Tensor rstd;
    private Tensor aux;
    private float eps;
    private boolean tanh;
    private int cols;
    private int rows;
    private int rowsPerTask;

    CpuSequenceOps(Parallel parallel, CpuBackend backend) {
        this.parallel = parallel;
        this.backend = backend;
        this.attention = new CpuAttention(parallel);
        this.buffers = new float[parallel.threads()][CHUNK];
        this.gates = new float[parallel.threads()][CHUNK];
    }

    private static float get(Tensor t, long i) {
        return t.segment().get(F, t.byteOffset() + i * Float.BYTES);
    }

    @Override
    public void embedding(Tensor out, Tensor ids, Tensor table, Tensor positions, int period) {
        int c = table.cols();
        int n = (int) ids.size();
        MemorySegment o = out.segment();
        MemorySegment t = table.segment();
        long rowBytes = (long) c * Float.BYTES;
        for (int r = 0; r < n; r++) {
            int id = ShapeChecks.tokenId("embedding", get(ids, r), table.rows(), r);
            long dst = out.byteOffset() + r * rowBytes;
            long src = table.byteOffset() + id * rowBytes;
            if (positions == null) {
                MemorySegment.copy(t, src, o, dst, rowBytes);
            } else {
                VectorOps.add(
                        t,
                        src,
                        positions.segment(),
                        positions.byteOffset() + (r % period) * rowBytes,
                        o,
                        dst,
                        c);
            }
        }
    }

    @Override
    public void embeddingBackward(
            Tensor tableGrad,
            float tableBeta,
            Tensor positionGrad,
            float positionBeta,
            Tensor dOut,
            Tensor ids,
            int period) {
        int n = (int) ids.size();
        int c = dOut.cols();
        long rowBytes = (long) c * Float.BYTES;
        MemorySegment d = dOut.segment();
        if (tableGrad != null) {
            scaleOrZero(tableGrad, tableBeta);
            MemorySegment g = tableGrad.segment();
            for (int r = 0; r < n; r++) {
                int id = ShapeChecks.tokenId("embeddingBackward", get(ids, r), tableGrad.rows(), r);
                long at = tableGrad.byteOffset() + id * rowBytes;
                VectorOps.add(g, at, d, dOut.byteOffset() + r * rowBytes, g, at, c);
            }
        }
        if (positionGrad != null) {
            scaleOrZero(positionGrad, positionBeta);
            MemorySegment g = positionGrad.segment();
            for (int r = 0; r < n; r++) {
                long at = positionGrad.byteOffset() + (r % period) * rowBytes;
                VectorOps.add(g, at, d, dOut.byteOffset() + r * rowBytes, g, at, c);
            }
        }
    }

    private void scaleOrZero(Tensor t, float beta) {
        if (beta == 0f) {
            backend.fill(t, 0f);
        } else if (beta != 1f) {
            backend.scale(t, beta);
        }
    }

    private void runRows(Kind k, int n, int width) {
        kind = k;
        rows = n;
        cols = width;
        rowsPerTask = Math.max(1, ELEMENTS_PER_TASK / Math.max(1, width));
        parallel.forEach((n + rowsPerTask - 1) / rowsPerTask, this);
    }

    private void runElements(Kind k, long n) {
        kind = k;
        parallel.forEach((int) ((n + ELEMENTS_PER_TASK - 1) / ELEMENTS_PER_TASK), this);
    }

    @Override
    public void layerNorm(
            Tensor y, Tensor mean, Tensor rstd, Tensor x, Tensor gamma, Tensor bias, float eps) {
        this.a = x;
        this.b = y;
        this.mean = mean;
        this.rstd = rstd;
        this.gamma = gamma;
        this.bias = bias;
        this.eps = eps;
        runRows(Kind.LAYER_NORM, x.rows(), x.cols());
    }

    @Override
    public void layerNormBackward(
            Tensor dx,
            Tensor gammaGrad,
            float gammaBeta,
            Tensor biasGrad,
            float biasBeta,
            Tensor scratch,
            Tensor dy,
            Tensor x,
            Tensor gamma,
            Tensor mean,
            Tensor rstd) {
        this.a = x;
        this.b = dy;
        this.c = dx;
        this.aux = gammaGrad == null ? null : scratch;
        this.gamma = gamma;
        this.mean = mean;
        this.rstd = rstd;
        if (dx != null || gammaGrad != null) {
            runRows(Kind.LAYER_NORM_BACKWARD, x.rows(), x.cols());
        }
        if (gammaGrad != null) {
            backend.sumRows(scratch.matrix(x.cols()), gammaGrad, gammaBeta);
        }
        if (biasGrad != null) {
            backend.sumRows(dy.matrix(x.cols()), biasGrad, biasBeta);
        }
    }

    @Override
    public void gelu(Tensor y, Tensor x, boolean tanh) {
        ShapeChecks.same("gelu", x, y);
        this.a = x;
        this.b = y;
        this.tanh = tanh;
        runElements(Kind.GELU, x.size());
    }

    @Override
    public void geluBackward(Tensor dx, Tensor dy, Tensor x, boolean tanh) {
        ShapeChecks.same("geluBackward", x, dy);
        ShapeChecks.same("geluBackward", x, dx);
        this.a = x;
        this.b = dy;
        this.c = dx;
        this.tanh = tanh;
        runElements(Kind.GELU_BACKWARD, x.size());
    }

    @Override
    public void causalAttention(
            Tensor y,
            Tensor probs,
            Tensor qkv,
            int sequences,
            int length,
            int heads,
            float dropout,
            long key) {
        attention.forward(y, probs, qkv, sequences, length, heads, dropout, key);
    }

    @Override
    public void causalAttentionBackward(
            Tensor dqkv,
            Tensor dy,
            Tensor qkv,
            Tensor probs,
            int sequences,
            int length,
            int heads,
            float dropout,
            long key) {
        attention.backward(dqkv, dy, qkv, probs, sequences, length, heads, dropout, key);
    }

    @Override
    public void attendCached(Tensor y, Tensor scores, Tensor qkv, int positions, int heads) {
        attention.cached(y, scores, qkv, positions, heads);
    }

    @Override
    public void run(int task, int worker) {
        int r0 = task * rowsPerTask;
        int r1 = Math.min(rows, r0 + rowsPerTask);
        switch (kind) {
            case LAYER_NORM -> {
                for (int r = r0; r < r1; r++) {
                    layerNormRow(r);
                }
            }
            case LAYER_NORM_BACKWARD -> {
                for (int r = r0; r < r1; r++) {
                    layerNormBackwardRow(r);
                }
            }
            case GELU, GELU_BACKWARD -> {
                long start = (long) task * ELEMENTS_PER_TASK;
                long n = Math.min(a.size() - start, ELEMENTS_PER_TASK);
                if (kind == Kind.GELU) {
                    geluRange(start, n, buffers[worker], gates[worker]);
                } else {
                    geluBackwardRange(start, n, buffers[worker], gates[worker]);
                }
            }
        }
    }

    private void layerNormRow(int r) {
        MemorySegment xs = a.segment();
        long xo = a.byteOffset() + (long) r * cols * Float.BYTES;
        MemorySegment ys = b.segment();
        long yo = b.byteOffset() + (long) r * cols * Float.BYTES;
        int vec = cols - cols % L;
        FloatVector acc = FloatVector.zero(S);
        int j = 0;
        for (; j < vec; j += L) {
            acc = acc.add(FloatVector.fromMemorySegment(S, xs, xo + (long) j * Float.BYTES, O));
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; j < cols; j++) {
            sum += xs.get(F, xo + (long) j * Float.BYTES);
        }
        float m = sum / cols;
        FloatVector mv = FloatVector.broadcast(S, m);
        acc = FloatVector.zero(S);
        for (j = 0; j < vec; j += L) {
            FloatVector d =
                    FloatVector.fromMemorySegment(S, xs, xo + (long) j * Float.BYTES, O).sub(mv);
            acc = d.fma(d, acc);
        }
        float sq = acc.reduceLanes(VectorOperators.ADD);
        for (; j < cols; j++) {
            float d = xs.get(F, xo + (long) j * Float.BYTES) - m;
            sq += d * d;
        }
        float rs = (float) (1.0 / Math.sqrt(sq / cols + (double) eps));
        mean.segment().set(F, mean.byteOffset() + (long) r * Float.BYTES, m);
        rstd.segment().set(F, rstd.byteOffset() + (long) r * Float.BYTES, rs);
        FloatVector rv = FloatVector.broadcast(S, rs);
        for (j = 0; j < vec; j += L) {
            long off = (long) j * Float.BYTES;
            FloatVector v = FloatVector.fromMemorySegment(S, xs, xo + off, O).sub(mv).mul(rv);
            if (gamma != null) {
                v =
                        v.mul(
                                FloatVector.fromMemorySegment(
                                        S, gamma.segment(), gamma.byteOffset() + off, O));
            }
            if (bias != null) {
                v =
                        v.add(
                                FloatVector.fromMemorySegment(
                                        S, bias.segment(), bias.byteOffset() + off, O));
            }
            v.intoMemorySegment(ys, yo + off, O);
        }
        for (; j < cols; j++) {
            long off = (long) j * Float.BYTES;
            float v = (xs.get(F, xo + off) - m) * rs;
            if (gamma != null) {
                v *= gamma.segment().get(F, gamma.byteOffset() + off);
            }
            if (bias != null) {
                v += bias.segment().get(F, bias.byteOffset() + off);
            }
            ys.set(F, yo + off, v);
        }
    }

    private void layerNormBackwardRow(int r) {
        long rowOff = (long) r * cols * Float.BYTES;
        MemorySegment xs = a.segment();
        long xo = a.byteOffset() + rowOff;
        MemorySegment ds = b.segment();
        long dyo = b.byteOffset() + rowOff;
        float m = mean.segment().get(F, mean.byteOffset() + (long) r * Float.BYTES);
        float rs = rstd.segment().get(F, rstd.byteOffset() + (long) r * Float.BYTES);
        FloatVector mv = FloatVector.broadcast(S, m);
        FloatVector rv = FloatVector.broadcast(S, rs);
        int vec = cols - cols % L;
        FloatVector accG = FloatVector.zero(S);
        FloatVector accGx = FloatVector.zero(S);
        int j = 0;
        for (; j < vec; j += L) {
            long off = (long) j * Float.BYTES;
            FloatVector xh = FloatVector.fromMemorySegment(S, xs, xo + off, O).sub(mv).mul(rv);
            FloatVector dy = FloatVector.fromMemorySegment(S, ds, dyo + off, O);
            if (aux != null) {
                dy.mul(xh).intoMemorySegment(aux.segment(), aux.byteOffset() + rowOff + off, O);
            }
            FloatVector g =
                    gamma == null
                            ? dy
                            : dy.mul(
                                    FloatVector.fromMemorySegment(
                                            S, gamma.segment(), gamma.byteOffset() + off, O));
            accG = accG.add(g);
            accGx = g.fma(xh, accGx);
        }
        float sumG = accG.reduceLanes(VectorOperators.ADD);
        float sumGx = accGx.reduceLanes(VectorOperators.ADD);
        for (; j < cols; j++) {
            long off = (long) j * Float.BYTES;
            float xh = (xs.get(F, xo + off) - m) * rs;
            float dy = ds.get(F, dyo + off);
            if (aux != null) {
                aux.segment().set(F, aux.byteOffset() + rowOff + off, dy * xh);
            }
            float g = gamma == null ? dy : dy * gamma.segment().get(F, gamma.byteOffset() + off);
            sumG += g;
            sumGx += g * xh;
        }
        if (c == null) {
            return;
        }
        float mg = sumG / cols;
        float mgx = sumGx / cols;
        FloatVector mgv = FloatVector.broadcast(S, mg);
        FloatVector mgxv = FloatVector.broadcast(S, mgx);
        MemorySegment dxs = c.segment();
        long dxo = c.byteOffset() + rowOff;
        for (j = 0; j < vec; j += L) {
            long off = (long) j * Float.BYTES;
            FloatVector xh = FloatVector.fromMemorySegment(S, xs, xo + off, O).sub(mv).mul(rv);
            FloatVector g = FloatVector.fromMemorySegment(S, ds, dyo + off, O);
            if (gamma != null) {
                g =
                        g.mul(
                                FloatVector.fromMemorySegment(
                                        S, gamma.segment(), gamma.byteOffset() + off, O));
            }
            g.sub(mgv).sub(xh.mul(mgxv)).mul(rv).intoMemorySegment(dxs, dxo + off, O);
        }
        for (; j < cols; j++) {
            long off = (long) j * Float.BYTES;
            float xh = (xs.get(F, xo + off) - m) * rs;
            float g = ds.get(F, dyo + off);
            if (gamma != null) {
                g *= gamma.segment().get(F, gamma.byteOffset() + off);
            }
            dxs.set(F, dxo + off, (g - mg - xh * mgx) * rs);
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

    @Override
    public int crossEntropy(
            Tensor logits, Tensor labels, int ignoreIndex, Tensor gradLogits, Tensor lossSum) {
        int rows = logits.rows();
        int v = logits.cols();
        int n = 0;
        for (int r = 0; r < rows; r++) {
            if (get(labels, r) != ignoreIndex) {
                n++;
            }
        }
        float scale = n == 0 ? 0f : 1f / n;
        float total = 0f;
        int r = 0;
        while (r < rows) {
            if (get(labels, r) == ignoreIndex) {
                if (gradLogits != null) {
                    VectorOps.fill(
                            gradLogits.segment(),
                            gradLogits.byteOffset() + (long) r * v * Float.BYTES,
                            v,
                            0f);
                }
                r++;
                continue;
            }
            int end = r + 1;
            while (end < rows && get(labels, end) != ignoreIndex) {
                end++;
            }
            total += backend.softmaxCrossEntropyRows(logits, labels, gradLogits, scale, r, end);
            r = end;
        }
        if (n > 0) {
            long at = lossSum.byteOffset();
            lossSum.segment().set(F, at, lossSum.segment().get(F, at) + total * rows / n);
        }
        return n;
    }

    @Override
    public void transposeBlocks(Tensor dst, Tensor src, int outer, int inner, int f) {
        long bytes = (long) f * Float.BYTES;
        MemorySegment d = dst.segment();
        MemorySegment s = src.segment();
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                MemorySegment.copy(
                        s,
                        src.byteOffset() + ((long) o * inner + i) * bytes,
                        d,
                        dst.byteOffset() + ((long) i * outer + o) * bytes,
                        bytes);
            }
        }
    }
}
