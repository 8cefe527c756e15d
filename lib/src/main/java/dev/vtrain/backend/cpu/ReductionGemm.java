package dev.vtrain.backend.cpu;

import dev.vtrain.tensor.HostStorage;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code C = alpha · Aᵀ · B + beta · C} for a small C (m × n) and a long reduction (A is k × m, B
 * is k × n, both row-major): the weight gradient of a convolution with few channels, whose k is
 * batch × pixels. The k rows are cut into fixed chunks (one task each); a task sums the outer
 * products of its rows into a partial C in scratch, vectorised along the wider of m and n with a 4
 * × 2-vector register tile; the calling thread then adds the partials in chunk order. Chunking
 * depends only on the shape, so the result is the same for every thread count. Preallocated scratch
 * grows once for the largest problem.
 */
final class ReductionGemm implements Parallel.Body {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder O = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final int CHUNK = 512;
    private static final long MAX_PARTIAL_FLOATS = 1L << 22;

    /** Largest m · n taken. */
    static final int MAX_CELLS = 64 * 64;

    private final Parallel parallel;
    private HostStorage scratch;
    private MemorySegment partials;
    private MemorySegment x;
    private long xOff;
    private int ldx;
    private MemorySegment y;
    private long yOff;
    private int ldy;
    private int p;
    private int q;
    private int k;
    private int chunk;

    ReductionGemm(Parallel parallel) {
        this.parallel = parallel;
    }

    /**
     * Whether this kernel should take {@code C[m, n] = op(A) · op(B)} with {@code op(A) = Aᵀ} and
     * {@code op(B) = B}: a small C, at least one side narrower than the packed path takes, and a
     * long k.
     */
    static boolean suits(boolean transA, boolean transB, int m, int n, int k) {
        return transA
                && !transB
                && (long) m * n <= MAX_CELLS
                && Math.min(m, n) < GemmPlan.MIN_PACKED
                && k >= 16L * Math.max(m, n);
    }

    /** Runs the product; A is {@code k × m} with row stride lda, B {@code k × n} with ldb. */
    void run(
            MemorySegment a,
            long aOff,
            int lda,
            MemorySegment b,
            long bOff,
            int ldb,
            MemorySegment c,
            long cOff,
            int m,
            int n,
            int k,
            float alpha,
            float beta) {
        // Vectorise along the wider side: partials are (p × q) with q the wider.
        boolean swap = n < m;
        x = swap ? b : a;
        xOff = swap ? bOff : aOff;
        ldx = swap ? ldb : lda;
        y = swap ? a : b;
        yOff = swap ? aOff : bOff;
        ldy = swap ? lda : ldb;
        p = swap ? n : m;
        q = swap ? m : n;
        this.k = k;
        long cells = (long) p * q;
        chunk = CHUNK;
        while ((long) ((k + chunk - 1) / chunk) * cells > MAX_PARTIAL_FLOATS) {
            chunk *= 2;
        }
        int chunks = (k + chunk - 1) / chunk;
        long need = chunks * cells;
        if (scratch == null || scratch.elements() < need) {
            if (scratch != null) {
                scratch.close();
            }
            scratch = HostStorage.allocate(Math.max(need, 1L << 16));
            partials = scratch.segment();
        }
        try {
            parallel.forEach(chunks, this);
        } finally {
            x = null;
            y = null;
        }
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                long cell = swap ? (long) j * q + i : (long) i * q + j;
                float s = 0f;
                for (int t = 0; t < chunks; t++) {
                    s += partials.getAtIndex(F, t * cells + cell);
                }
                long at = cOff + ((long) i * n + j) * Float.BYTES;
                float old = beta == 0f ? 0f : beta * c.get(F, at);
                c.set(F, at, alpha * s + old);
            }
        }
    }

    @Override
    public void run(int task, int worker) {
        int k0 = task * chunk;
        int k1 = Math.min(k, k0 + chunk);
        long base = (long) task * p * q * Float.BYTES;
        int i = 0;
        for (; i + 4 <= p; i += 4) {
            int j = 0;
            for (; j + 2 * L <= q; j += 2 * L) {
                tile4x2(i, j, k0, k1, base);
            }
            for (int r = i; r < i + 4; r++) {
                rest(r, j, k0, k1, base);
            }
        }
        for (; i < p; i++) {
            rest(i, 0, k0, k1, base);
        }
    }

    /** Row i from column j on: one vector at a time, then scalars. */
    private void rest(int i, int j0, int k0, int k1, long base) {
        int j = j0;
        for (; j + L <= q; j += L) {
            tile1x1(i, j, k0, k1, base);
        }
        long xs = (long) ldx * Float.BYTES;
        long ys = (long) ldy * Float.BYTES;
        for (; j < q; j++) {
            float acc = 0f;
            long xp = xOff + (long) k0 * xs + (long) i * Float.BYTES;
            long yp = yOff + (long) k0 * ys + (long) j * Float.BYTES;
            for (int kk = k0; kk < k1; kk++, xp += xs, yp += ys) {
                acc = Math.fma(x.get(F, xp), y.get(F, yp), acc);
            }
            partials.set(F, base + ((long) i * q + j) * Float.BYTES, acc);
        }
    }

    /** Partial rows i..i+3 × columns j..j+2L over k0..k1, in registers. */
    private void tile4x2(int i, int j, int k0, int k1, long base) {
        FloatVector a00 = FloatVector.zero(S), a01 = a00, a10 = a00, a11 = a00;
        FloatVector a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        long xs = (long) ldx * Float.BYTES;
        long ys = (long) ldy * Float.BYTES;
        long v = (long) L * Float.BYTES;
        long xp = xOff + (long) k0 * xs + (long) i * Float.BYTES;
        long yp = yOff + (long) k0 * ys + (long) j * Float.BYTES;
        for (int kk = k0; kk < k1; kk++, xp += xs, yp += ys) {
            FloatVector y0 = FloatVector.fromMemorySegment(S, y, yp, O);
            FloatVector y1 = FloatVector.fromMemorySegment(S, y, yp + v, O);
            FloatVector x0 = FloatVector.broadcast(S, x.get(F, xp));
            FloatVector x1 = FloatVector.broadcast(S, x.get(F, xp + Float.BYTES));
            FloatVector x2 = FloatVector.broadcast(S, x.get(F, xp + 2L * Float.BYTES));
            FloatVector x3 = FloatVector.broadcast(S, x.get(F, xp + 3L * Float.BYTES));
            a00 = y0.fma(x0, a00);
            a01 = y1.fma(x0, a01);
            a10 = y0.fma(x1, a10);
            a11 = y1.fma(x1, a11);
            a20 = y0.fma(x2, a20);
            a21 = y1.fma(x2, a21);
            a30 = y0.fma(x3, a30);
            a31 = y1.fma(x3, a31);
        }
        long row = (long) q * Float.BYTES;
        long o = base + ((long) i * q + j) * Float.BYTES;
        a00.intoMemorySegment(partials, o, O);
        a01.intoMemorySegment(partials, o + v, O);
        a10.intoMemorySegment(partials, o + row, O);
        a11.intoMemorySegment(partials, o + row + v, O);
        a20.intoMemorySegment(partials, o + 2 * row, O);
        a21.intoMemorySegment(partials, o + 2 * row + v, O);
        a30.intoMemorySegment(partials, o + 3 * row, O);
        a31.intoMemorySegment(partials, o + 3 * row + v, O);
    }

    /** Partial row i × columns j..j+L over k0..k1. */
    private void tile1x1(int i, int j, int k0, int k1, long base) {
        FloatVector acc = FloatVector.zero(S);
        long xs = (long) ldx * Float.BYTES;
        long ys = (long) ldy * Float.BYTES;
        long xp = xOff + (long) k0 * xs + (long) i * Float.BYTES;
        long yp = yOff + (long) k0 * ys + (long) j * Float.BYTES;
        for (int kk = k0; kk < k1; kk++, xp += xs, yp += ys) {
            acc =
                    FloatVector.fromMemorySegment(S, y, yp, O)
                            .fma(FloatVector.broadcast(S, x.get(F, xp)), acc);
        }
        acc.intoMemorySegment(partials, base + ((long) i * q + j) * Float.BYTES, O);
    }

    /** Frees the scratch. */
    void close() {
        if (scratch != null) {
            scratch.close();
        }
    }
}
