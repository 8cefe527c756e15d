package dev.vtrain.backend.cpu;

import dev.vtrain.backend.DropoutHash;
import dev.vtrain.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Causal self-attention kernels: one task per (sequence, head), each copying its head's q, k and v
 * into per-worker arrays padded to whole vectors (k and v also transposed, so a row of scores is a
 * run of vector FMAs over keys), computing in registers and writing its own rows and columns back.
 * Tasks share nothing, so results do not depend on the thread count. The arrays grow on the calling
 * thread to the largest shape seen and are then reused: nothing is allocated per call.
 */
final class CpuAttention implements Parallel.Body {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder O = ByteOrder.nativeOrder();

    private final Parallel parallel;
    private final float[][] q;
    private final float[][] k;
    private final float[][] kt;
    private final float[][] v;
    private final float[][] vt;
    private final float[][] dy;
    private final float[][] dk;
    private final float[][] dv;
    private final float[][] row;
    private final float[][] acc;
    private boolean backward;
    private Tensor y;
    private Tensor probs;
    private Tensor qkv;
    private Tensor grad;
    private int length;
    private int heads;
    private int dim;
    private int tp;
    private int dp;
    private float scale;
    private float keepScale;
    private int threshold;
    private long key;

    private void dropout(float p, long k) {
        this.keepScale = p == 0f ? 0f : 1f / (1f - p);
        this.threshold = DropoutHash.threshold(p);
        this.key = k;
    }

    /**
     * Multiplies {@code p[off, off + n)}, row {@code r} of the probabilities, by the dropout
     * factors (nothing without dropout).
     */
    private void drop(float[] p, int off, int n, long r) {
        if (keepScale == 0f) {
            return;
        }
        long base = r * length;
        for (int j = 0; j < n; j++) {
            p[off + j] = DropoutHash.keep(key, base + j, threshold) ? p[off + j] * keepScale : 0f;
        }
    }

    CpuAttention(Parallel parallel) {
        this.parallel = parallel;
        int w = parallel.threads();
        q = new float[w][0];
        k = new float[w][0];
        kt = new float[w][0];
        v = new float[w][0];
        vt = new float[w][0];
        dy = new float[w][0];
        dk = new float[w][0];
        dv = new float[w][0];
        row = new float[w][0];
        acc = new float[w][0];
    }

    private static int roundUp(int n) {
        return (n + L - 1) / L * L;
    }

    private void bind(Tensor qkv, int length, int heads) {
        this.qkv = qkv;
        this.length = length;
        this.heads = heads;
        int c = qkv.cols() / 3;
        this.dim = c / heads;
        this.tp = roundUp(length);
        this.dp = roundUp(dim);
        this.scale = (float) (1 / Math.sqrt(dim));
        int tile = Math.max(tp * dp, length * tp);
        if (q[0].length < tile) {
            for (int w = 0; w < q.length; w++) {
                q[w] = new float[tile];
                k[w] = new float[tile];
                kt[w] = new float[tile];
                v[w] = new float[tile];
                vt[w] = new float[tile];
                dy[w] = new float[tile];
                dk[w] = new float[tile];
                dv[w] = new float[tile];
            }
        }
        int line = Math.max(tp, 3 * dp);
        if (row[0].length < line) {
            for (int w = 0; w < q.length; w++) {
                row[w] = new float[line];
                acc[w] = new float[line];
            }
        }
    }

    void forward(
            Tensor y,
            Tensor probs,
            Tensor qkv,
            int sequences,
            int length,
            int heads,
            float dropout,
            long key) {
        bind(qkv, length, heads);
        dropout(dropout, key);
        this.y = y;
        this.probs = probs;
        this.backward = false;
        parallel.forEach(sequences * heads, this);
    }

    void backward(
            Tensor dqkv,
            Tensor dy,
            Tensor qkv,
            Tensor probs,
            int sequences,
            int length,
            int heads,
            float dropout,
            long key) {
        bind(qkv, length, heads);
        dropout(dropout, key);
        this.grad = dqkv;
        this.y = dy;
        this.probs = probs;
        this.backward = true;
        parallel.forEach(sequences * heads, this);
    }

    @Override
    public void run(int task, int worker) {
        int b = task / heads;
        int h = task % heads;
        if (backward) {
            backwardHead(b, h, worker);
        } else {
            forwardHead(b, h, worker);
        }
    }

    /**
     * Copies {@code dim} columns from {@code col} of rows of {@code t} (width cols) into a tile.
     */
    private void load(Tensor t, int b, int col, float[] tile, float[] transposed) {
        int width = t.cols();
        MemorySegment s = t.segment();
        for (int j = 0; j < length; j++) {
            long off = t.byteOffset() + ((long) (b * length + j) * width + col) * Float.BYTES;
            MemorySegment.copy(s, F, off, tile, j * dp, dim);
            if (transposed != null) {
                for (int e = 0; e < dim; e++) {
                    transposed[e * tp + j] = tile[j * dp + e];
                }
            }
        }
    }

    /**
     * Overwrites {@code out[0, tp)} with the scaled scores {@code Σ_e a[e] · bt[e, j]} for keys j
     * below {@code n} (lanes past n hold what the padding gives; callers mask them).
     */
    private void scores(float[] a, int aOff, float[] bt, float[] out, int n, float s) {
        int j = 0;
        // Four, then two, then one independent accumulator chains over keys: the e loop is
        // latency-bound with one.
        for (; j + 3 * L < n; j += 4 * L) {
            FloatVector s0 = FloatVector.zero(S);
            FloatVector s1 = FloatVector.zero(S);
            FloatVector s2 = FloatVector.zero(S);
            FloatVector s3 = FloatVector.zero(S);
            for (int e = 0; e < dim; e++) {
                FloatVector q = FloatVector.broadcast(S, a[aOff + e]);
                int row = e * tp + j;
                s0 = FloatVector.fromArray(S, bt, row).fma(q, s0);
                s1 = FloatVector.fromArray(S, bt, row + L).fma(q, s1);
                s2 = FloatVector.fromArray(S, bt, row + 2 * L).fma(q, s2);
                s3 = FloatVector.fromArray(S, bt, row + 3 * L).fma(q, s3);
            }
            s0.mul(s).intoArray(out, j);
            s1.mul(s).intoArray(out, j + L);
            s2.mul(s).intoArray(out, j + 2 * L);
            s3.mul(s).intoArray(out, j + 3 * L);
        }
        if (j + L < n) {
            FloatVector s0 = FloatVector.zero(S);
            FloatVector s1 = FloatVector.zero(S);
            for (int e = 0; e < dim; e++) {
                FloatVector q = FloatVector.broadcast(S, a[aOff + e]);
                int row = e * tp + j;
                s0 = FloatVector.fromArray(S, bt, row).fma(q, s0);
                s1 = FloatVector.fromArray(S, bt, row + L).fma(q, s1);
            }
            s0.mul(s).intoArray(out, j);
            s1.mul(s).intoArray(out, j + L);
            j += 2 * L;
        }
        if (j < n) {
            FloatVector sum = FloatVector.zero(S);
            for (int e = 0; e < dim; e++) {
                sum =
                        FloatVector.fromArray(S, bt, e * tp + j)
                                .fma(FloatVector.broadcast(S, a[aOff + e]), sum);
            }
            sum.mul(s).intoArray(out, j);
        }
    }

    private void forwardHead(int b, int h, int w) {
        int c = qkv.cols() / 3;
        float[] qa = q[w];
        float[] kta = kt[w];
        float[] va = v[w];
        float[] p = row[w];
        float[] o = acc[w];
        load(qkv, b, h * dim, qa, null);
        load(qkv, b, c + h * dim, k[w], kta);
        load(qkv, b, 2 * c + h * dim, va, null);
        MemorySegment ps = probs.segment();
        long pBase = probs.byteOffset() + (long) (b * heads + h) * length * length * Float.BYTES;
        for (int i = 0; i < length; i++) {
            int n = i + 1;
            scores(qa, i * dp, kta, p, n, scale);
            softmax(p, n);
            MemorySegment.copy(p, 0, ps, F, pBase + (long) i * length * Float.BYTES, length);
            drop(p, 0, n, (long) (b * heads + h) * length + i);
            weightedSum(p, n, va, o);
            long off =
                    y.byteOffset() + ((long) (b * length + i) * c + (long) h * dim) * Float.BYTES;
            MemorySegment.copy(o, 0, y.segment(), F, off, dim);
        }
    }

    /**
     * Overwrites {@code o[0, dp)} with {@code Σ_{j < n} p[j] · va[j]} (rows of dp): even and odd j
     * in separate accumulators, added at the end.
     */
    private void weightedSum(float[] p, int n, float[] va, float[] o) {
        for (int e = 0; e < dp; e += L) {
            FloatVector even = FloatVector.zero(S);
            FloatVector odd = FloatVector.zero(S);
            int j = 0;
            for (; j + 1 < n; j += 2) {
                even =
                        FloatVector.fromArray(S, va, j * dp + e)
                                .fma(FloatVector.broadcast(S, p[j]), even);
                odd =
                        FloatVector.fromArray(S, va, (j + 1) * dp + e)
                                .fma(FloatVector.broadcast(S, p[j + 1]), odd);
            }
            if (j < n) {
                even =
                        FloatVector.fromArray(S, va, j * dp + e)
                                .fma(FloatVector.broadcast(S, p[j]), even);
            }
            even.add(odd).intoArray(o, e);
        }
    }

    /** Softmax of {@code p[0, n)} in place; {@code p[n, tp)} becomes 0. */
    private void softmax(float[] p, int n) {
        FloatVector max = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < n; j += L) {
            VectorMask<Float> m = S.indexInRange(j, n);
            max = max.lanewise(VectorOperators.MAX, FloatVector.fromArray(S, p, j), m);
        }
        float mx = max.reduceLanes(VectorOperators.MAX);
        int end = roundUp(n);
        for (int j = 0; j < end; j += L) {
            FloatVector.fromArray(S, p, j).sub(mx).intoArray(p, j);
        }
        VectorMath.expInPlace(p, 0, end);
        for (int j = n; j < tp; j++) {
            p[j] = 0f;
        }
        FloatVector sum = FloatVector.zero(S);
        for (int j = 0; j < end; j += L) {
            sum = sum.add(FloatVector.fromArray(S, p, j));
        }
        float inv = 1f / sum.reduceLanes(VectorOperators.ADD);
        for (int j = 0; j < end; j += L) {
            FloatVector.fromArray(S, p, j).mul(inv).intoArray(p, j);
        }
    }

    private void backwardHead(int b, int h, int w) {
        int c = qkv.cols() / 3;
        float[] qa = q[w];
        float[] ka = k[w];
        float[] va = v[w];
        float[] vta = vt[w];
        float[] dya = dy[w];
        float[] pAll = dk[w];
        float[] ds = dv[w];
        float[] out = acc[w];
        load(qkv, b, h * dim, qa, null);
        load(qkv, b, c + h * dim, ka, null);
        load(qkv, b, 2 * c + h * dim, va, vta);
        load(y, b, h * dim, dya, null);
        MemorySegment ps = probs.segment();
        long pBase = probs.byteOffset() + (long) (b * heads + h) * length * length * Float.BYTES;
        // dS[i, j] = P[i, j] (dP[i, j] - Σ_j' P[i, j'] dP[i, j']) / √D with dP = dy · vᵀ.
        for (int i = 0; i < length; i++) {
            int n = i + 1;
            int row = i * tp;
            MemorySegment.copy(ps, F, pBase + (long) i * length * Float.BYTES, pAll, row, length);
            scores(dya, i * dp, vta, out, n, 1f);
            long probsRow = (long) (b * heads + h) * length + i;
            drop(out, 0, n, probsRow);
            FloatVector dot = FloatVector.zero(S);
            for (int j = 0; j < n; j += L) {
                VectorMask<Float> m = S.indexInRange(j, n);
                dot =
                        FloatVector.fromArray(S, pAll, row + j, m)
                                .fma(FloatVector.fromArray(S, out, j, m), dot);
            }
            float d = dot.reduceLanes(VectorOperators.ADD);
            for (int j = 0; j < n; j++) {
                ds[row + j] = pAll[row + j] * (out[j] - d) * scale;
            }
            // dv uses the probabilities after dropout.
            drop(pAll, row, n, probsRow);
        }
        MemorySegment gs = grad.segment();
        int width = grad.cols();
        // dq[i] = Σ_{j ≤ i} dS[i, j] k[j]; dk[j] = Σ_{i ≥ j} dS[i, j] q[i]; dv[j] = Σ_{i ≥ j}
        // P[i, j] dy[i]: each output row accumulates in registers and is written once.
        for (int r = 0; r < length; r++) {
            int e = 0;
            for (; e + L < dp; e += 2 * L) {
                FloatVector q0 = FloatVector.zero(S);
                FloatVector q1 = FloatVector.zero(S);
                for (int j = 0; j <= r; j++) {
                    FloatVector d = FloatVector.broadcast(S, ds[r * tp + j]);
                    q0 = FloatVector.fromArray(S, ka, j * dp + e).fma(d, q0);
                    q1 = FloatVector.fromArray(S, ka, j * dp + e + L).fma(d, q1);
                }
                FloatVector k0 = FloatVector.zero(S);
                FloatVector k1 = FloatVector.zero(S);
                FloatVector v0 = FloatVector.zero(S);
                FloatVector v1 = FloatVector.zero(S);
                for (int i = r; i < length; i++) {
                    FloatVector d = FloatVector.broadcast(S, ds[i * tp + r]);
                    FloatVector pr = FloatVector.broadcast(S, pAll[i * tp + r]);
                    k0 = FloatVector.fromArray(S, qa, i * dp + e).fma(d, k0);
                    k1 = FloatVector.fromArray(S, qa, i * dp + e + L).fma(d, k1);
                    v0 = FloatVector.fromArray(S, dya, i * dp + e).fma(pr, v0);
                    v1 = FloatVector.fromArray(S, dya, i * dp + e + L).fma(pr, v1);
                }
                q0.intoArray(out, e);
                q1.intoArray(out, e + L);
                k0.intoArray(out, dp + e);
                k1.intoArray(out, dp + e + L);
                v0.intoArray(out, 2 * dp + e);
                v1.intoArray(out, 2 * dp + e + L);
            }
            for (; e < dp; e += L) {
                FloatVector sq = FloatVector.zero(S);
                for (int j = 0; j <= r; j++) {
                    sq =
                            FloatVector.fromArray(S, ka, j * dp + e)
                                    .fma(FloatVector.broadcast(S, ds[r * tp + j]), sq);
                }
                FloatVector sk = FloatVector.zero(S);
                FloatVector sv = FloatVector.zero(S);
                for (int i = r; i < length; i++) {
                    sk =
                            FloatVector.fromArray(S, qa, i * dp + e)
                                    .fma(FloatVector.broadcast(S, ds[i * tp + r]), sk);
                    sv =
                            FloatVector.fromArray(S, dya, i * dp + e)
                                    .fma(FloatVector.broadcast(S, pAll[i * tp + r]), sv);
                }
                sq.intoArray(out, e);
                sk.intoArray(out, dp + e);
                sv.intoArray(out, 2 * dp + e);
            }
            long base = grad.byteOffset() + ((long) (b * length + r) * width) * Float.BYTES;
            MemorySegment.copy(out, 0, gs, F, base + (long) h * dim * Float.BYTES, dim);
            MemorySegment.copy(
                    out, dp, gs, F, base + ((long) c + (long) h * dim) * Float.BYTES, dim);
            MemorySegment.copy(
                    out, 2 * dp, gs, F, base + (2L * c + (long) h * dim) * Float.BYTES, dim);
        }
    }

    /**
     * Overwrites {@code p[0, n)} with {@code scale · q · k_j} for the keys at {@code kOff + j ·
     * rowBytes} (a void method of its own, so the vector code is compiled apart from its caller).
     */
    private void keyScores(
            MemorySegment cs, long kOff, long rowBytes, float[] qa, float[] p, int n, int vec) {
        for (int j = 0; j < n; j++) {
            long at = kOff + j * rowBytes;
            FloatVector sum = FloatVector.zero(S);
            int e = 0;
            for (; e < vec; e += L) {
                sum =
                        FloatVector.fromMemorySegment(S, cs, at + (long) e * Float.BYTES, O)
                                .fma(FloatVector.fromArray(S, qa, e), sum);
            }
            float dot = sum.reduceLanes(VectorOperators.ADD);
            for (; e < dim; e++) {
                dot += qa[e] * cs.get(F, at + (long) e * Float.BYTES);
            }
            p[j] = dot * scale;
        }
    }

    /**
     * One query over a cache (see {@code SequenceOps#attendCached}), on the calling thread: each
     * score is a dot product of the query with a cached key row (no transposed copy), then the
     * softmax and weighted sum of a row of the training pass.
     */
    void cached(Tensor out, Tensor scores, Tensor cache, int n, int heads) {
        int c = cache.cols() / 3;
        bind(cache, n, heads);
        float[] va = v[0];
        float[] qa = q[0];
        float[] p = row[0];
        float[] o = acc[0];
        MemorySegment cs = cache.segment();
        long rowBytes = 3L * c * Float.BYTES;
        long qOff = cache.byteOffset() + (n - 1) * rowBytes;
        int vec = dim - dim % L;
        for (int h = 0; h < heads; h++) {
            load(cache, 0, 2 * c + h * dim, va, null);
            MemorySegment.copy(cs, F, qOff + (long) h * dim * Float.BYTES, qa, 0, dim);
            long kOff = cache.byteOffset() + ((long) c + (long) h * dim) * Float.BYTES;
            keyScores(cs, kOff, rowBytes, qa, p, n, vec);
            softmax(p, n);
            MemorySegment.copy(
                    p, 0, scores.segment(), F, scores.byteOffset() + (long) h * n * Float.BYTES, n);
            weightedSum(p, n, va, o);
            MemorySegment.copy(
                    o, 0, out.segment(), F, out.byteOffset() + (long) h * dim * Float.BYTES, dim);
        }
    }
}
