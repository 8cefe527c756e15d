package dev.vtrain.backend.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * A dense layer's {@code out = x · Wᵀ + bias} for a short k and a narrow output (a convolution over
 * one or a few input channels: k = kh·kw·C ≤ {@value #MAX_K}, n up to four vectors): W is copied
 * transposed (k × n) into scratch once per call, then every row of out is its bias plus k broadcast
 * multiply-adds per vector, held in registers and written once, so the output is touched a single
 * time. One task per block of rows; no reduction crosses tasks, so results do not depend on the
 * thread count.
 */
final class ShortGemm implements Parallel.Body, DenseRows {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final long VB = (long) L * Float.BYTES;
    private static final ByteOrder O = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final int ROWS_PER_TASK = 256;

    /** Longest k taken. */
    static final int MAX_K = 32;

    private final Parallel parallel;
    private final MemorySegment wt;
    private final MemorySegment zeros;
    private MemorySegment x;
    private long xOff;
    private MemorySegment out;
    private long outOff;
    private MemorySegment bias;
    private long biasOff;
    private int m;
    private int n;
    private int k;

    /** {@code scratch} holds at least {@code MAX_K · 4L + 4L} floats. */
    ShortGemm(Parallel parallel, MemorySegment scratch) {
        this.parallel = parallel;
        this.wt = scratch;
        this.zeros = scratch.asSlice((long) MAX_K * 4 * L * Float.BYTES);
    }

    /** Floats of scratch needed. */
    static long scratchFloats() {
        return (long) MAX_K * 4 * L + 4L * L;
    }

    /** Whether {@code (m × k) · (n × k)ᵀ} suits this kernel. */
    static boolean suits(int m, int n, int k) {
        return k <= MAX_K && n % L == 0 && n <= 4 * L && m >= 4 * L;
    }

    /**
     * Overwrites {@code out} (m × n) with {@code x · wᵀ + bias}; x is m × k, w is n × k (row stride
     * k), bias n floats or null.
     */
    @Override
    public void run(
            MemorySegment out,
            long outOff,
            MemorySegment x,
            long xOff,
            MemorySegment w,
            long wOff,
            MemorySegment bias,
            long biasOff,
            int m,
            int n,
            int k) {
        for (int j = 0; j < n; j++) {
            for (int kk = 0; kk < k; kk++) {
                wt.setAtIndex(
                        F, (long) kk * n + j, w.get(F, wOff + ((long) j * k + kk) * Float.BYTES));
            }
        }
        this.out = out;
        this.outOff = outOff;
        this.x = x;
        this.xOff = xOff;
        this.bias = bias == null ? zeros : bias;
        this.biasOff = bias == null ? 0 : biasOff;
        this.m = m;
        this.n = n;
        this.k = k;
        try {
            parallel.forEach((m + ROWS_PER_TASK - 1) / ROWS_PER_TASK, this);
        } finally {
            this.out = null;
            this.x = null;
            this.bias = null;
        }
    }

    @Override
    public void run(int task, int worker) {
        int r0 = task * ROWS_PER_TASK;
        int r1 = Math.min(m, r0 + ROWS_PER_TASK);
        int vectors = n / L;
        FloatVector b0 = FloatVector.fromMemorySegment(S, bias, biasOff, O);
        FloatVector b1 = vectors > 1 ? FloatVector.fromMemorySegment(S, bias, biasOff + VB, O) : b0;
        FloatVector b2 =
                vectors > 2 ? FloatVector.fromMemorySegment(S, bias, biasOff + 2 * VB, O) : b0;
        FloatVector b3 =
                vectors > 3 ? FloatVector.fromMemorySegment(S, bias, biasOff + 3 * VB, O) : b0;
        long rowBytes = (long) n * Float.BYTES;
        for (int r = r0; r < r1; r++) {
            FloatVector c0 = b0;
            FloatVector c1 = b1;
            FloatVector c2 = b2;
            FloatVector c3 = b3;
            long xp = xOff + (long) r * k * Float.BYTES;
            long wp = 0;
            for (int kk = 0; kk < k; kk++, xp += Float.BYTES, wp += rowBytes) {
                FloatVector a = FloatVector.broadcast(S, x.get(F, xp));
                c0 = FloatVector.fromMemorySegment(S, wt, wp, O).fma(a, c0);
                if (vectors > 1) {
                    c1 = FloatVector.fromMemorySegment(S, wt, wp + VB, O).fma(a, c1);
                }
                if (vectors > 2) {
                    c2 = FloatVector.fromMemorySegment(S, wt, wp + 2 * VB, O).fma(a, c2);
                }
                if (vectors > 3) {
                    c3 = FloatVector.fromMemorySegment(S, wt, wp + 3 * VB, O).fma(a, c3);
                }
            }
            long o = outOff + (long) r * rowBytes;
            c0.intoMemorySegment(out, o, O);
            if (vectors > 1) {
                c1.intoMemorySegment(out, o + VB, O);
            }
            if (vectors > 2) {
                c2.intoMemorySegment(out, o + 2 * VB, O);
            }
            if (vectors > 3) {
                c3.intoMemorySegment(out, o + 3 * VB, O);
            }
        }
    }
}
