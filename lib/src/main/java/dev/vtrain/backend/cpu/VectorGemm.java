package dev.vtrain.backend.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Register-blocked SGEMM kernels on off-heap row-major matrices, for one block of C at a time
 * (callers split C into blocks across threads). Two kernel shapes cover every layer product:
 *
 * <ul>
 *   <li><b>broadcast</b> ({@code op(b) = b}): C[i, j..j+3V] += A(i, p) · B[p, j..j+3V], a 4-row by
 *       3-vector tile of accumulators; A is addressed through strides, so {@code a} and {@code aᵀ}
 *       use the same kernel ({@code dY·W} and {@code dYᵀ·x});
 *   <li><b>dot</b> ({@code op(b) = bᵀ}, {@code op(a) = a}): C[i, j] = Σ_p A[i, p] · B[j, p] with
 *       both rows contiguous, a 4 × 3 tile of vector accumulators reduced once per tile ({@code
 *       x·Wᵀ}).
 * </ul>
 *
 * Both compute each C element's full sum in registers and write it once as {@code alpha · sum +
 * beta · c}, so no pass over C precedes them. Column and row remainders use narrower tiles and
 * scalar loops, never masks. {@code aᵀ·bᵀ} (unused by layers) takes the strided scalar path.
 */
final class VectorGemm {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    private static final ByteOrder O = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    /** Rows per register tile. */
    static final int MR = 4;

    /** Vectors (broadcast kernel) or B rows (dot kernel) per register tile. */
    static final int NR = 3;

    private VectorGemm() {}

    private static void storeScalar(
            float sum, MemorySegment c, long byteOff, float alpha, float beta) {
        float r = alpha * sum;
        if (beta != 0f) {
            r += beta * c.get(F, byteOff);
        }
        c.set(F, byteOff, r);
    }

    /**
     * Broadcast kernel over C rows [i0, i1) and columns [j0, j1): A(i, p) is at element {@code i ·
     * ars + p · acs} of {@code a}, B[p, j] at {@code p · ldb + j} of {@code b}, C[i, j] at {@code i
     * · ldc + j} of {@code c} (all offsets in bytes from the given bases).
     */
    static void broadcast(
            MemorySegment a,
            long aOff,
            int ars,
            int acs,
            MemorySegment b,
            long bOff,
            int ldb,
            MemorySegment c,
            long cOff,
            int ldc,
            int k,
            int i0,
            int i1,
            int j0,
            int j1,
            float alpha,
            float beta) {
        int i = i0;
        for (; i + MR <= i1; i += MR) {
            int j = j0;
            for (; j + NR * L <= j1; j += NR * L) {
                // Two variants rather than one with a branch per store: a vector method too large
                // for
                // C1's register allocator is never promoted to C2 and then runs boxed, 100× slower.
                if (beta == 0f) {
                    broadcast4x3(a, aOff, ars, acs, b, bOff, ldb, c, cOff, ldc, k, i, j, alpha);
                } else {
                    broadcast4x3Accumulate(
                            a, aOff, ars, acs, b, bOff, ldb, c, cOff, ldc, k, i, j, alpha, beta);
                }
            }
            for (; j + L <= j1; j += L) {
                for (int r = 0; r < MR; r++) {
                    broadcast1x1(
                            a, aOff, ars, acs, b, bOff, ldb, c, cOff, ldc, k, i + r, j, alpha,
                            beta);
                }
            }
            for (; j < j1; j++) {
                for (int r = 0; r < MR; r++) {
                    scalarCell(
                            a, aOff, ars, acs, b, bOff, ldb, 1, c, cOff, ldc, k, i + r, j, alpha,
                            beta);
                }
            }
        }
        for (; i < i1; i++) {
            int j = j0;
            for (; j + L <= j1; j += L) {
                broadcast1x1(a, aOff, ars, acs, b, bOff, ldb, c, cOff, ldc, k, i, j, alpha, beta);
            }
            for (; j < j1; j++) {
                scalarCell(a, aOff, ars, acs, b, bOff, ldb, 1, c, cOff, ldc, k, i, j, alpha, beta);
            }
        }
    }

    /** 4 × 3V tile, C overwritten: C = alpha · acc (C is not read). */
    private static void broadcast4x3(
            MemorySegment a,
            long aOff,
            int ars,
            int acs,
            MemorySegment b,
            long bOff,
            int ldb,
            MemorySegment c,
            long cOff,
            int ldc,
            int k,
            int i,
            int j,
            float alpha) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00;
        long a0 = aOff + (long) i * ars * Float.BYTES;
        long aRow = (long) ars * Float.BYTES;
        long aStep = (long) acs * Float.BYTES;
        long bp = bOff + (long) j * Float.BYTES;
        long bStep = (long) ldb * Float.BYTES;
        long vb = (long) L * Float.BYTES;
        for (int p = 0; p < k; p++) {
            FloatVector b0 = FloatVector.fromMemorySegment(S, b, bp, O);
            FloatVector b1 = FloatVector.fromMemorySegment(S, b, bp + vb, O);
            FloatVector b2 = FloatVector.fromMemorySegment(S, b, bp + 2 * vb, O);
            FloatVector x = FloatVector.broadcast(S, a.get(F, a0));
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            c02 = x.fma(b2, c02);
            x = FloatVector.broadcast(S, a.get(F, a0 + aRow));
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            c12 = x.fma(b2, c12);
            x = FloatVector.broadcast(S, a.get(F, a0 + 2 * aRow));
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            c22 = x.fma(b2, c22);
            x = FloatVector.broadcast(S, a.get(F, a0 + 3 * aRow));
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            c32 = x.fma(b2, c32);
            a0 += aStep;
            bp += bStep;
        }
        long cRow = (long) ldc * Float.BYTES;
        long cp = cOff + ((long) i * ldc + j) * Float.BYTES;
        FloatVector va = FloatVector.broadcast(S, alpha);
        c00.mul(va).intoMemorySegment(c, cp, O);
        c01.mul(va).intoMemorySegment(c, cp + vb, O);
        c02.mul(va).intoMemorySegment(c, cp + 2 * vb, O);
        c10.mul(va).intoMemorySegment(c, cp + 1 * cRow, O);
        c11.mul(va).intoMemorySegment(c, cp + vb + 1 * cRow, O);
        c12.mul(va).intoMemorySegment(c, cp + 2 * vb + 1 * cRow, O);
        c20.mul(va).intoMemorySegment(c, cp + 2 * cRow, O);
        c21.mul(va).intoMemorySegment(c, cp + vb + 2 * cRow, O);
        c22.mul(va).intoMemorySegment(c, cp + 2 * vb + 2 * cRow, O);
        c30.mul(va).intoMemorySegment(c, cp + 3 * cRow, O);
        c31.mul(va).intoMemorySegment(c, cp + vb + 3 * cRow, O);
        c32.mul(va).intoMemorySegment(c, cp + 2 * vb + 3 * cRow, O);
    }

    /** 4 × 3V tile, C = alpha · acc + beta · C. */
    private static void broadcast4x3Accumulate(
            MemorySegment a,
            long aOff,
            int ars,
            int acs,
            MemorySegment b,
            long bOff,
            int ldb,
            MemorySegment c,
            long cOff,
            int ldc,
            int k,
            int i,
            int j,
            float alpha,
            float beta) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00;
        long a0 = aOff + (long) i * ars * Float.BYTES;
        long aRow = (long) ars * Float.BYTES;
        long aStep = (long) acs * Float.BYTES;
        long bp = bOff + (long) j * Float.BYTES;
        long bStep = (long) ldb * Float.BYTES;
        long vb = (long) L * Float.BYTES;
        for (int p = 0; p < k; p++) {
            FloatVector b0 = FloatVector.fromMemorySegment(S, b, bp, O);
            FloatVector b1 = FloatVector.fromMemorySegment(S, b, bp + vb, O);
            FloatVector b2 = FloatVector.fromMemorySegment(S, b, bp + 2 * vb, O);
            FloatVector x = FloatVector.broadcast(S, a.get(F, a0));
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            c02 = x.fma(b2, c02);
            x = FloatVector.broadcast(S, a.get(F, a0 + aRow));
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            c12 = x.fma(b2, c12);
            x = FloatVector.broadcast(S, a.get(F, a0 + 2 * aRow));
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            c22 = x.fma(b2, c22);
            x = FloatVector.broadcast(S, a.get(F, a0 + 3 * aRow));
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            c32 = x.fma(b2, c32);
            a0 += aStep;
            bp += bStep;
        }
        long cRow = (long) ldc * Float.BYTES;
        long cp = cOff + ((long) i * ldc + j) * Float.BYTES;
        FloatVector va = FloatVector.broadcast(S, alpha);
        FloatVector vbeta = FloatVector.broadcast(S, beta);
        FloatVector.fromMemorySegment(S, c, cp, O)
                .fma(vbeta, c00.mul(va))
                .intoMemorySegment(c, cp, O);
        FloatVector.fromMemorySegment(S, c, cp + vb, O)
                .fma(vbeta, c01.mul(va))
                .intoMemorySegment(c, cp + vb, O);
        FloatVector.fromMemorySegment(S, c, cp + 2 * vb, O)
                .fma(vbeta, c02.mul(va))
                .intoMemorySegment(c, cp + 2 * vb, O);
        FloatVector.fromMemorySegment(S, c, cp + 1 * cRow, O)
                .fma(vbeta, c10.mul(va))
                .intoMemorySegment(c, cp + 1 * cRow, O);
        FloatVector.fromMemorySegment(S, c, cp + vb + 1 * cRow, O)
                .fma(vbeta, c11.mul(va))
                .intoMemorySegment(c, cp + vb + 1 * cRow, O);
        FloatVector.fromMemorySegment(S, c, cp + 2 * vb + 1 * cRow, O)
                .fma(vbeta, c12.mul(va))
                .intoMemorySegment(c, cp + 2 * vb + 1 * cRow, O);
        FloatVector.fromMemorySegment(S, c, cp + 2 * cRow, O)
                .fma(vbeta, c20.mul(va))
                .intoMemorySegment(c, cp + 2 * cRow, O);
        FloatVector.fromMemorySegment(S, c, cp + vb + 2 * cRow, O)
                .fma(vbeta, c21.mul(va))
                .intoMemorySegment(c, cp + vb + 2 * cRow, O);
        FloatVector.fromMemorySegment(S, c, cp + 2 * vb + 2 * cRow, O)
                .fma(vbeta, c22.mul(va))
                .intoMemorySegment(c, cp + 2 * vb + 2 * cRow, O);
        FloatVector.fromMemorySegment(S, c, cp + 3 * cRow, O)
                .fma(vbeta, c30.mul(va))
                .intoMemorySegment(c, cp + 3 * cRow, O);
        FloatVector.fromMemorySegment(S, c, cp + vb + 3 * cRow, O)
                .fma(vbeta, c31.mul(va))
                .intoMemorySegment(c, cp + vb + 3 * cRow, O);
        FloatVector.fromMemorySegment(S, c, cp + 2 * vb + 3 * cRow, O)
                .fma(vbeta, c32.mul(va))
                .intoMemorySegment(c, cp + 2 * vb + 3 * cRow, O);
    }

    private static void broadcast1x1(
            MemorySegment a,
            long aOff,
            int ars,
            int acs,
            MemorySegment b,
            long bOff,
            int ldb,
            MemorySegment c,
            long cOff,
            int ldc,
            int k,
            int i,
            int j,
            float alpha,
            float beta) {
        FloatVector acc = FloatVector.zero(S);
        long ap = aOff + (long) i * ars * Float.BYTES;
        long aStep = (long) acs * Float.BYTES;
        long bp = bOff + (long) j * Float.BYTES;
        long bStep = (long) ldb * Float.BYTES;
        for (int p = 0; p < k; p++) {
            acc =
                    FloatVector.broadcast(S, a.get(F, ap))
                            .fma(FloatVector.fromMemorySegment(S, b, bp, O), acc);
            ap += aStep;
            bp += bStep;
        }
        long cp = cOff + ((long) i * ldc + j) * Float.BYTES;
        acc = acc.mul(alpha);
        if (beta != 0f) {
            acc =
                    FloatVector.fromMemorySegment(S, c, cp, O)
                            .fma(FloatVector.broadcast(S, beta), acc);
        }
        acc.intoMemorySegment(c, cp, O);
    }

    /**
     * One C element by strided scalar loop: A(i, p) at {@code i·ars + p·acs}, B(p, j) at {@code
     * p·brs + j·bcs}.
     */
    static void scalarCell(
            MemorySegment a,
            long aOff,
            int ars,
            int acs,
            MemorySegment b,
            long bOff,
            int brs,
            int bcs,
            MemorySegment c,
            long cOff,
            int ldc,
            int k,
            int i,
            int j,
            float alpha,
            float beta) {
        float sum = 0f;
        long ap = aOff + (long) i * ars * Float.BYTES;
        long bp = bOff + (long) j * bcs * Float.BYTES;
        for (int p = 0; p < k; p++) {
            sum += a.get(F, ap) * b.get(F, bp);
            ap += (long) acs * Float.BYTES;
            bp += (long) brs * Float.BYTES;
        }
        storeScalar(sum, c, cOff + ((long) i * ldc + j) * Float.BYTES, alpha, beta);
    }

    /**
     * Dot kernel over C rows [i0, i1) and columns [j0, j1): C[i, j] = alpha · Σ_p A[i, p] · B[j, p]
     * + beta · C[i, j], A rows {@code lda} apart, B rows {@code ldb} apart.
     */
    static void dot(
            MemorySegment a,
            long aOff,
            int lda,
            MemorySegment b,
            long bOff,
            int ldb,
            MemorySegment c,
            long cOff,
            int ldc,
            int k,
            int i0,
            int i1,
            int j0,
            int j1,
            float alpha,
            float beta,
            MemorySegment s,
            long sOff) {
        int i = i0;
        for (; i + MR <= i1; i += MR) {
            int j = j0;
            for (; j + NR <= j1; j += NR) {
                dot4x3(a, aOff, lda, b, bOff, ldb, c, cOff, ldc, k, i, j, alpha, beta, s, sOff);
            }
            for (; j < j1; j++) {
                for (int r = 0; r < MR; r++) {
                    dot1x1(
                            a, aOff, lda, b, bOff, ldb, c, cOff, ldc, k, i + r, j, alpha, beta, s,
                            sOff);
                }
            }
        }
        for (; i < i1; i++) {
            for (int j = j0; j < j1; j++) {
                dot1x1(a, aOff, lda, b, bOff, ldb, c, cOff, ldc, k, i, j, alpha, beta, s, sOff);
            }
        }
    }

    private static void dot4x3(
            MemorySegment a,
            long aOff,
            int lda,
            MemorySegment b,
            long bOff,
            int ldb,
            MemorySegment c,
            long cOff,
            int ldc,
            int k,
            int i,
            int j,
            float alpha,
            float beta,
            MemorySegment s,
            long sOff) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00;
        long aRow = (long) lda * Float.BYTES;
        long bRow = (long) ldb * Float.BYTES;
        long a0 = aOff + i * aRow;
        long b0 = bOff + j * bRow;
        int kv = k - k % L;
        long step = (long) L * Float.BYTES;
        long end = (long) kv * Float.BYTES;
        for (long p = 0; p < end; p += step) {
            FloatVector y0 = FloatVector.fromMemorySegment(S, b, b0 + p, O);
            FloatVector y1 = FloatVector.fromMemorySegment(S, b, b0 + bRow + p, O);
            FloatVector y2 = FloatVector.fromMemorySegment(S, b, b0 + 2 * bRow + p, O);
            FloatVector x = FloatVector.fromMemorySegment(S, a, a0 + p, O);
            c00 = x.fma(y0, c00);
            c01 = x.fma(y1, c01);
            c02 = x.fma(y2, c02);
            x = FloatVector.fromMemorySegment(S, a, a0 + aRow + p, O);
            c10 = x.fma(y0, c10);
            c11 = x.fma(y1, c11);
            c12 = x.fma(y2, c12);
            x = FloatVector.fromMemorySegment(S, a, a0 + 2 * aRow + p, O);
            c20 = x.fma(y0, c20);
            c21 = x.fma(y1, c21);
            c22 = x.fma(y2, c22);
            x = FloatVector.fromMemorySegment(S, a, a0 + 3 * aRow + p, O);
            c30 = x.fma(y0, c30);
            c31 = x.fma(y1, c31);
            c32 = x.fma(y2, c32);
        }
        // The twelve sums are folded from memory in finishTile: with the folds inlined here the
        // method outgrows C1's register allocator, is never promoted to C2 and runs boxed.
        long v = step;
        c00.intoMemorySegment(s, sOff, O);
        c01.intoMemorySegment(s, sOff + v, O);
        c02.intoMemorySegment(s, sOff + 2 * v, O);
        c10.intoMemorySegment(s, sOff + 3 * v, O);
        c11.intoMemorySegment(s, sOff + 4 * v, O);
        c12.intoMemorySegment(s, sOff + 5 * v, O);
        c20.intoMemorySegment(s, sOff + 6 * v, O);
        c21.intoMemorySegment(s, sOff + 7 * v, O);
        c22.intoMemorySegment(s, sOff + 8 * v, O);
        c30.intoMemorySegment(s, sOff + 9 * v, O);
        c31.intoMemorySegment(s, sOff + 10 * v, O);
        c32.intoMemorySegment(s, sOff + 11 * v, O);
        finishTile(
                a,
                a0,
                aRow,
                b,
                b0,
                bRow,
                kv,
                k,
                c,
                cOff + ((long) i * ldc + j) * Float.BYTES,
                (long) ldc * Float.BYTES,
                alpha,
                beta,
                s,
                sOff);
    }

    /** Reduces the 4 × 3 accumulators stored in scratch, adds the K tails and stores the tile. */
    private static void finishTile(
            MemorySegment a,
            long a0,
            long aRow,
            MemorySegment b,
            long b0,
            long bRow,
            int kv,
            int k,
            MemorySegment c,
            long cp,
            long cRow,
            float alpha,
            float beta,
            MemorySegment s,
            long sOff) {
        long v = (long) L * Float.BYTES;
        for (int r = 0; r < MR; r++) {
            for (int q = 0; q < NR; q++) {
                float partial = VectorReduce.sumAt(s, sOff + (long) (r * NR + q) * v);
                finishDot(
                        partial,
                        a,
                        a0 + r * aRow,
                        b,
                        b0 + q * bRow,
                        kv,
                        k,
                        c,
                        cp + r * cRow + (long) q * Float.BYTES,
                        alpha,
                        beta);
            }
        }
    }

    /** Adds the scalar tail p in [kv, k) of one dot product and stores it. */
    private static void finishDot(
            float partial,
            MemorySegment a,
            long aRowOff,
            MemorySegment b,
            long bRowOff,
            int kv,
            int k,
            MemorySegment c,
            long cByteOff,
            float alpha,
            float beta) {
        float sum = partial;
        for (int p = kv; p < k; p++) {
            sum +=
                    a.get(F, aRowOff + (long) p * Float.BYTES)
                            * b.get(F, bRowOff + (long) p * Float.BYTES);
        }
        storeScalar(sum, c, cByteOff, alpha, beta);
    }

    private static void dot1x1(
            MemorySegment a,
            long aOff,
            int lda,
            MemorySegment b,
            long bOff,
            int ldb,
            MemorySegment c,
            long cOff,
            int ldc,
            int k,
            int i,
            int j,
            float alpha,
            float beta,
            MemorySegment s,
            long sOff) {
        long a0 = aOff + (long) i * lda * Float.BYTES;
        long b0 = bOff + (long) j * ldb * Float.BYTES;
        int kv = k - k % L;
        long step = (long) L * Float.BYTES;
        long end = (long) kv * Float.BYTES;
        FloatVector acc = FloatVector.zero(S);
        for (long p = 0; p < end; p += step) {
            acc =
                    FloatVector.fromMemorySegment(S, a, a0 + p, O)
                            .fma(FloatVector.fromMemorySegment(S, b, b0 + p, O), acc);
        }
        acc.intoMemorySegment(s, sOff, O);
        finishDot(
                VectorReduce.sumAt(s, sOff),
                a,
                a0,
                b,
                b0,
                kv,
                k,
                c,
                cOff + ((long) i * ldc + j) * Float.BYTES,
                alpha,
                beta);
    }
}
