package dev.vtrain.backend.cpu;

import dev.vtrain.backend.BatchNormArgs;
import dev.vtrain.backend.NormOps;
import dev.vtrain.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Batch normalisation on the CPU. Per-channel sums run one task per block of channels (lanes of one
 * vector), each summing its channels over all rows in row order, in float lanes flushed to double
 * every 64 rows, so the result does not depend on the thread count. The element-wise passes run one
 * task per block of rows, as {@code x · a[c] + b[c]} (or {@code dy · a + x · k + b}) with the
 * per-channel coefficients computed on the host. Preallocated; grows its coefficient arrays once
 * for the widest layer.
 */
final class CpuNormOps implements NormOps, Parallel.Body {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder O = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final int FLUSH = 64;
    private static final int ROWS_PER_TASK = 512;

    private enum Kind {
        SUM_SHIFTED,
        SUM_BACKWARD,
        APPLY,
        APPLY_BACKWARD
    }

    private final Parallel parallel;
    private Kind kind;
    private Tensor x;
    private Tensor dy;
    private Tensor out;
    private Tensor mask;
    private boolean relu;
    private int channels;
    private long rows;
    private double[] sum = new double[0];
    private double[] sum2 = new double[0];
    private float[] center = new float[0];
    private float[] coefA = new float[0];
    private float[] coefB = new float[0];
    private float[] coefK = new float[0];
    private float[] fwdA = new float[0];
    private float[] fwdB = new float[0];
    private final float[][] lanes;

    CpuNormOps(Parallel parallel) {
        this.parallel = parallel;
        this.lanes = new float[parallel.threads() + 1][2 * L];
    }

    private void ensure(int c) {
        if (sum.length < c) {
            sum = new double[c];
            sum2 = new double[c];
            center = new float[c];
            coefA = new float[c];
            coefB = new float[c];
            coefK = new float[c];
            fwdA = new float[c];
            fwdB = new float[c];
        }
    }

    private void run(Kind k, int tasks) {
        kind = k;
        parallel.forEach(tasks, this);
    }

    private int channelTasks() {
        return (channels + L - 1) / L;
    }

    private int rowTasks() {
        return (int) Math.max(1, (rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK);
    }

    private static float get(Tensor t, long i) {
        return t.segment().get(F, t.byteOffset() + i * Float.BYTES);
    }

    private static void set(Tensor t, long i, float v) {
        t.segment().set(F, t.byteOffset() + i * Float.BYTES, v);
    }

    private void bind(BatchNormArgs a, Tensor x) {
        this.relu = a.relu();
        this.channels = a.channels();
        this.rows = x.size() / channels;
        this.x = x;
        ensure(channels);
    }

    @Override
    public void batchNormTrain(BatchNormArgs a, Tensor y, Tensor x, Tensor mean, Tensor rstd) {
        bind(a, x);
        out = y;
        // One pass: sums of x - s and (x - s)² with s the first row, which keeps the variance
        // accurate when the mean is large against the spread.
        for (int ch = 0; ch < channels; ch++) {
            center[ch] = get(x, ch);
        }
        run(Kind.SUM_SHIFTED, channelTasks());
        for (int ch = 0; ch < channels; ch++) {
            double m1 = sum[ch] / rows;
            sum2[ch] = Math.max(0.0, sum2[ch] - sum[ch] * m1);
            center[ch] = (float) (center[ch] + m1);
        }
        float mom = a.momentum();
        for (int ch = 0; ch < channels; ch++) {
            double var = sum2[ch] / rows;
            float rs = (float) (1.0 / Math.sqrt(var + a.eps()));
            float m = center[ch];
            set(mean, ch, m);
            set(rstd, ch, rs);
            set(a.runningMean(), ch, (1 - mom) * get(a.runningMean(), ch) + mom * m);
            double unbiased = rows > 1 ? sum2[ch] / (rows - 1) : var;
            set(a.runningVar(), ch, (1 - mom) * get(a.runningVar(), ch) + mom * (float) unbiased);
            float gm = a.gamma() == null ? 1f : get(a.gamma(), ch);
            float bt = a.beta() == null ? 0f : get(a.beta(), ch);
            coefA[ch] = rs * gm;
            coefB[ch] = bt;
        }
        set(a.tracked(), 0, get(a.tracked(), 0) + 1f);
        run(Kind.APPLY, rowTasks());
        this.x = null;
        this.out = null;
    }

    @Override
    public void batchNormEval(BatchNormArgs a, Tensor y, Tensor x, Tensor mean, Tensor rstd) {
        bind(a, x);
        out = y;
        for (int ch = 0; ch < channels; ch++) {
            float rs = (float) (1.0 / Math.sqrt(get(a.runningVar(), ch) + (double) a.eps()));
            float gm = a.gamma() == null ? 1f : get(a.gamma(), ch);
            float bt = a.beta() == null ? 0f : get(a.beta(), ch);
            coefA[ch] = rs * gm;
            coefB[ch] = bt;
            center[ch] = get(a.runningMean(), ch);
            set(mean, ch, get(a.runningMean(), ch));
            set(rstd, ch, rs);
        }
        run(Kind.APPLY, rowTasks());
        this.x = null;
        this.out = null;
    }

    @Override
    public void batchNormBackward(
            BatchNormArgs a,
            Tensor dx,
            Tensor dy,
            Tensor x,
            Tensor y,
            Tensor mean,
            Tensor rstd,
            float gammaBeta,
            float biasBeta,
            boolean batchStatistics) {
        bind(a, x);
        this.dy = dy;
        // The fused ReLU's mask is recomputed from x with the forward's own arithmetic (same
        // operands, same rounding), so the forward output is not read back.
        this.mask = a.relu() ? y : null;
        for (int ch = 0; ch < channels; ch++) {
            center[ch] = get(mean, ch);
            fwdA[ch] = get(rstd, ch) * (a.gamma() == null ? 1f : get(a.gamma(), ch));
            fwdB[ch] = a.beta() == null ? 0f : get(a.beta(), ch);
        }
        // sum = Σ dy, sum2 = Σ dy · (x - mean); x̂ = (x - mean) · rstd.
        run(Kind.SUM_BACKWARD, channelTasks());
        for (int ch = 0; ch < channels; ch++) {
            float rs = get(rstd, ch);
            float sdy = (float) sum[ch];
            float sdyx = (float) (sum2[ch] * rs);
            if (a.gammaGrad() != null) {
                float old = gammaBeta == 0f ? 0f : gammaBeta * get(a.gammaGrad(), ch);
                set(a.gammaGrad(), ch, old + sdyx);
            }
            if (a.betaGrad() != null) {
                float old = biasBeta == 0f ? 0f : biasBeta * get(a.betaGrad(), ch);
                set(a.betaGrad(), ch, old + sdy);
            }
            float gm = a.gamma() == null ? 1f : get(a.gamma(), ch);
            float k = gm * rs;
            float meanDy = batchStatistics ? (float) (sum[ch] / rows) : 0f;
            float meanDyx = batchStatistics ? (float) (sum2[ch] * rs / rows) : 0f;
            // dx = k·(dy - meanDy - (x - m)·rs·meanDyx) = k·dy + ((x - m)·kx + b)
            coefA[ch] = k;
            coefK[ch] = -k * rs * meanDyx;
            coefB[ch] = -k * meanDy;
        }
        if (dx != null) {
            out = dx;
            run(Kind.APPLY_BACKWARD, rowTasks());
        }
        this.x = null;
        this.dy = null;
        this.out = null;
        this.mask = null;
    }

    @Override
    public void run(int task, int worker) {
        switch (kind) {
            case SUM_SHIFTED, SUM_BACKWARD -> sums(task, worker);
            case APPLY, APPLY_BACKWARD -> apply(task);
        }
    }

    private void sums(int task, int worker) {
        int c0 = task * L;
        int width = Math.min(L, channels - c0);
        float[] acc = lanes[worker];
        MemorySegment xs = x.segment();
        long xo = x.byteOffset();
        MemorySegment gs = dy == null ? null : dy.segment();
        long go = dy == null ? 0 : dy.byteOffset();
        long stride = (long) channels * Float.BYTES;
        for (int l = 0; l < width; l++) {
            sum[c0 + l] = 0;
            sum2[c0 + l] = 0;
        }
        if (width == L) {
            FloatVector m = FloatVector.fromArray(S, center, c0);
            FloatVector fa = FloatVector.fromArray(S, fwdA, c0);
            FloatVector fb = FloatVector.fromArray(S, fwdB, c0);
            long r = 0;
            while (r < rows) {
                long end = Math.min(rows, r + FLUSH);
                FloatVector a1 = FloatVector.zero(S);
                FloatVector a2 = FloatVector.zero(S);
                for (; r < end; r++) {
                    long at = r * stride + (long) c0 * Float.BYTES;
                    FloatVector v = FloatVector.fromMemorySegment(S, xs, xo + at, O);
                    switch (kind) {
                        case SUM_SHIFTED -> {
                            FloatVector d = v.sub(m);
                            a1 = a1.add(d);
                            a2 = d.fma(d, a2);
                        }
                        default -> {
                            FloatVector g = FloatVector.fromMemorySegment(S, gs, go + at, O);
                            FloatVector d = v.sub(m);
                            if (mask != null) {
                                g =
                                        FloatVector.zero(S)
                                                .blend(
                                                        g,
                                                        d.fma(fa, fb)
                                                                .compare(VectorOperators.GT, 0f));
                            }
                            a1 = a1.add(g);
                            a2 = g.fma(d, a2);
                        }
                    }
                }
                a1.intoArray(acc, 0);
                a2.intoArray(acc, L);
                for (int l = 0; l < L; l++) {
                    sum[c0 + l] += acc[l];
                    sum2[c0 + l] += acc[L + l];
                }
            }
        } else {
            for (long r = 0; r < rows; r++) {
                for (int l = 0; l < width; l++) {
                    long at = r * stride + (long) (c0 + l) * Float.BYTES;
                    float v = xs.get(F, xo + at);
                    switch (kind) {
                        case SUM_SHIFTED -> {
                            double d = v - center[c0 + l];
                            sum[c0 + l] += d;
                            sum2[c0 + l] += d * d;
                        }
                        default -> {
                            float g = gs.get(F, go + at);
                            if (mask != null
                                    && !((v - center[c0 + l]) * fwdA[c0 + l] + fwdB[c0 + l] > 0f)) {
                                g = 0f;
                            }
                            sum[c0 + l] += g;
                            sum2[c0 + l] += (double) g * (v - center[c0 + l]);
                        }
                    }
                }
            }
        }
    }

    private void apply(int task) {
        long r0 = (long) task * ROWS_PER_TASK;
        long r1 = Math.min(rows, r0 + ROWS_PER_TASK);
        MemorySegment xs = x.segment();
        MemorySegment os = out.segment();
        MemorySegment gs = dy == null ? null : dy.segment();
        long xo = x.byteOffset();
        long oo = out.byteOffset();
        long go = dy == null ? 0 : dy.byteOffset();
        boolean backward = kind == Kind.APPLY_BACKWARD;
        int vecEnd = channels - channels % L;
        long stride = (long) channels * Float.BYTES;
        // Channel blocks outside, rows inside: the per-channel coefficients stay in registers.
        for (int c0 = 0; c0 < vecEnd; c0 += L) {
            FloatVector m = FloatVector.fromArray(S, center, c0);
            FloatVector a = FloatVector.fromArray(S, coefA, c0);
            FloatVector b = FloatVector.fromArray(S, coefB, c0);
            FloatVector k = FloatVector.fromArray(S, coefK, c0);
            FloatVector fa = FloatVector.fromArray(S, fwdA, c0);
            FloatVector fb = FloatVector.fromArray(S, fwdB, c0);
            FloatVector zero = FloatVector.zero(S);
            long off = r0 * stride + (long) c0 * Float.BYTES;
            for (long r = r0; r < r1; r++, off += stride) {
                FloatVector v = FloatVector.fromMemorySegment(S, xs, xo + off, O).sub(m);
                FloatVector res;
                if (backward) {
                    FloatVector g = FloatVector.fromMemorySegment(S, gs, go + off, O);
                    if (mask != null) {
                        g = zero.blend(g, v.fma(fa, fb).compare(VectorOperators.GT, 0f));
                    }
                    res = g.fma(a, v.fma(k, b));
                } else {
                    res = v.fma(a, b);
                    if (relu) {
                        // Not max(): NaN must become 0 as in the ReLU kernels.
                        res = zero.blend(res, res.compare(VectorOperators.GT, 0f));
                    }
                }
                res.intoMemorySegment(os, oo + off, O);
            }
        }
        for (long r = r0; r < r1; r++) {
            long rowOff = r * stride;
            for (int c0 = vecEnd; c0 < channels; c0++) {
                long off = rowOff + (long) c0 * Float.BYTES;
                float v = xs.get(F, xo + off) - center[c0];
                float res;
                if (backward) {
                    float g = gs.get(F, go + off);
                    if (mask != null && !(v * fwdA[c0] + fwdB[c0] > 0f)) {
                        g = 0f;
                    }
                    res = g * coefA[c0] + (v * coefK[c0] + coefB[c0]);
                } else {
                    res = v * coefA[c0] + coefB[c0];
                    if (relu && !(res > 0f)) {
                        res = 0f;
                    }
                }
                os.set(F, oo + off, res);
            }
        }
    }
}
