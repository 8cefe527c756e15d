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
 * Sequence ops on the CPU with the Vector API. Layer norm runs one task per block of rows (each row
 * on its own, so the split does not change results); the layer norm's parameter gradients are
 * column sums of a scratch matrix in the backend's fixed-order {@code sumRows}. Attention runs one
 * task per (sequence, head) in {@link CpuAttention}. Embeddings are copies and row-order adds on
 * the calling thread.
 */
final class CpuSequenceOps implements SequenceOps, Parallel.Body {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder O = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final int ELEMENTS_PER_TASK = 16384;

    private enum Kind {
        LAYER_NORM,
        LAYER_NORM_BACKWARD
    }

    private final Parallel parallel;
    private final CpuBackend backend;
    private final CpuAttention attention;
    private final CpuGelu gelu;
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
    private int cols;
    private int rows;
    private int rowsPerTask;

    CpuSequenceOps(Parallel parallel, CpuBackend backend) {
        this.parallel = parallel;
        this.backend = backend;
        this.attention = new CpuAttention(parallel);
        this.gelu = new CpuGelu(parallel);
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
        gelu.forward(y, x, tanh);
    }

    @Override
    public void geluBackward(Tensor dx, Tensor dy, Tensor x, boolean tanh) {
        gelu.backward(dx, dy, x, tanh);
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
