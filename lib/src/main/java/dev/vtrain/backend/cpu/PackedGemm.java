package dev.vtrain.backend.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * BLIS-style packed SGEMM pieces for one block of C: packing of A and B (transposes handled here,
 * so one micro-kernel serves {@code x·Wᵀ}, {@code dY·W} and {@code dYᵀ·x}), the register-blocked
 * outer-product micro-kernel, and the epilogue that combines a finished tile with C.
 *
 * <p>Layouts. A block of {@code MR} rows of op(A) by {@code kc} is packed p-major: element (r, p)
 * at {@code p · MR + r}, rows past the matrix zero. A panel of op(B), {@code kc} by {@code nc}, is
 * packed as slivers of {@code NR} columns, each sliver p-major: element (p, j) of sliver s at
 * {@code s · kc · NR + p · NR + j}, columns past the matrix zero. The micro-kernel therefore reads
 * both operands with unit stride and needs no masks or edge cases; edges are handled by the
 * epilogue, which writes only the valid part of a tile.
 *
 * <p>The micro-kernel holds an {@code MR × NR} tile ({@code NR} = two vectors) in distinct local
 * variables and writes it to a per-worker tile array; {@code MR} is 8 where vectors have 16 lanes
 * or more (AVX-512: 16 accumulators of 32 registers) and 6 otherwise (12 accumulators, fits the 16
 * registers of AVX2). A 12-row tile measured 12 % faster at n = 1024 on AVX-512, but C1 (which
 * inlines the Vector API's Java fallback) sometimes fails to compile a method that large at tier 3
 * ("out of virtual registers"); the method then stays in tier-2 code forever, boxing every vector,
 * 100× slower. Tile methods are therefore kept at the 8-row size.
 */
final class PackedGemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final long VB = (long) L * Float.BYTES;
    private static final ByteOrder O = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    /** Rows of a register tile. */
    static final int MR = L >= 16 ? 8 : 6;

    /** Columns of a register tile: two vectors. */
    static final int NR = 2 * L;

    /** Depth of one packed block: an {@code NR}-wide B sliver of this depth fits in L1. */
    static final int KC = 256;

    /** Columns of one packed B panel: {@code KC × NC} floats stay within L2. */
    static final int NC = 512;

    /**
     * Rows of one packed A block: {@code MC / MR} micro-panels, {@code KC × MC} floats (256 KB at
     * 16 lanes) that stay in L2 beside the B panel while the micro-kernel sweeps them under each B
     * sliver held in L1.
     */
    static final int MC = 32 * MR;

    /** Floats of per-worker scratch: the B panel and one A block. */
    static final long SCRATCH_FLOATS = (long) KC * NC + (long) KC * MC;

    /** Floats of a register tile. */
    static final int TILE_FLOATS = MR * NR;

    /** Float offset of the A block inside a worker's scratch. */
    static final long A_BLOCK_FLOATS = (long) KC * NC;

    private PackedGemm() {}

    /**
     * Packs op(B)[p0..p0+kc, j0..j0+nc] into slivers at {@code dst + dOff}; op(B)(p, j) is element
     * {@code p · ldb + j} of {@code b} when {@code transB} is false, {@code j · ldb + p} otherwise.
     */
    static void packB(
            MemorySegment b,
            long bOff,
            int ldb,
            boolean transB,
            int p0,
            int kc,
            int j0,
            int nc,
            MemorySegment dst,
            long dOff) {
        for (int s = 0; s * NR < nc; s++) {
            int cols = Math.min(NR, nc - s * NR);
            long sliver = dOff + (long) s * kc * NR * Float.BYTES;
            int j = j0 + s * NR;
            if (transB) {
                packTransposedSliver(b, bOff, ldb, p0, kc, j, cols, dst, sliver);
            } else if (cols == NR) {
                long src = bOff + ((long) p0 * ldb + j) * Float.BYTES;
                long step = (long) ldb * Float.BYTES;
                for (int p = 0; p < kc; p++) {
                    long d = sliver + (long) p * NR * Float.BYTES;
                    FloatVector.fromMemorySegment(S, b, src, O).intoMemorySegment(dst, d, O);
                    FloatVector.fromMemorySegment(S, b, src + VB, O)
                            .intoMemorySegment(dst, d + VB, O);
                    src += step;
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    long src = bOff + ((long) (p0 + p) * ldb + j) * Float.BYTES;
                    long d = sliver + (long) p * NR * Float.BYTES;
                    for (int q = 0; q < NR; q++) {
                        float v = q < cols ? b.get(F, src + (long) q * Float.BYTES) : 0f;
                        dst.set(F, d + (long) q * Float.BYTES, v);
                    }
                }
            }
        }
    }

    /** One sliver from a row-major B stored as Bᵀ: column q of the sliver is row {@code j + q}. */
    private static void packTransposedSliver(
            MemorySegment b,
            long bOff,
            int ldb,
            int p0,
            int kc,
            int j,
            int cols,
            MemorySegment dst,
            long sliver) {
        for (int q = 0; q < NR; q++) {
            long d = sliver + (long) q * Float.BYTES;
            long dStep = (long) NR * Float.BYTES;
            if (q < cols) {
                long src = bOff + ((long) (j + q) * ldb + p0) * Float.BYTES;
                for (int p = 0; p < kc; p++) {
                    dst.set(F, d, b.get(F, src));
                    src += Float.BYTES;
                    d += dStep;
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    dst.set(F, d, 0f);
                    d += dStep;
                }
            }
        }
    }

    /**
     * The micro-kernel: tile = Σ_p A-block[:, p] ⊗ B-sliver[p, :] over {@code kc} steps, both
     * packed, written (overwritten) to the {@code MR × NR} row-major {@code tile}.
     */
    static void kernel(
            MemorySegment ap, long aOff, MemorySegment bp, long bOff, int kc, float[] tile) {
        if (MR == 8) {
            kernel8(ap, aOff, bp, bOff, kc, tile);
        } else {
            kernel6(ap, aOff, bp, bOff, kc, tile);
        }
    }

    /**
     * {@link #kernel} reading a full {@code MR}-row block of A in place (row r at byte {@code aOff
     * + r · rowBytes}, unit stride along p) instead of from a packed block: for a C only a few
     * slivers wide, where each A block meets B too few times to repay packing it. A separate method
     * from {@link #kernel}, not one kernel with row and depth strides: a one-off timing of that
     * merged kernel (2 threads, AVX-512) ran the 25088×288×64 product of a convolution's input
     * gradient 1.4× slower than the packed kernel with its constant offsets.
     */
    static void kernelDirect(
            MemorySegment a,
            long aOff,
            long rowBytes,
            MemorySegment bp,
            long bOff,
            int kc,
            float[] tile) {
        if (MR == 8) {
            kernel8Direct(a, aOff, rowBytes, bp, bOff, kc, tile);
        } else {
            kernel6Direct(a, aOff, rowBytes, bp, bOff, kc, tile);
        }
    }

    /**
     * Packs op(A)[i0..i0+rows, p0..p0+kc] p-major into an {@code MR}-tall block at {@code dst +
     * dOff}, zero below {@code rows}; op(A)(i, p) is at byte {@code aOff + i · rowBytes + p ·
     * colBytes} of {@code a}.
     */
    static void packA(
            MemorySegment a,
            long aOff,
            long rowBytes,
            long colBytes,
            int i0,
            int rows,
            int p0,
            int kc,
            MemorySegment dst,
            long dOff) {
        long dStep = (long) MR * Float.BYTES;
        for (int r = 0; r < MR; r++) {
            long d = dOff + (long) r * Float.BYTES;
            if (r < rows) {
                long src = aOff + (i0 + r) * rowBytes + p0 * colBytes;
                for (int p = 0; p < kc; p++) {
                    dst.set(F, d, a.get(F, src));
                    src += colBytes;
                    d += dStep;
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    dst.set(F, d, 0f);
                    d += dStep;
                }
            }
        }
    }

    private static void kernel8(
            MemorySegment ap, long aOff, MemorySegment bp, long bOff, int kc, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00;
        FloatVector c10 = c00, c11 = c00;
        FloatVector c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00;
        FloatVector c40 = c00, c41 = c00;
        FloatVector c50 = c00, c51 = c00;
        FloatVector c60 = c00, c61 = c00;
        FloatVector c70 = c00, c71 = c00;
        long a = aOff;
        long b = bOff;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromMemorySegment(S, bp, b, O);
            FloatVector b1 = FloatVector.fromMemorySegment(S, bp, b + VB, O);
            FloatVector x = FloatVector.broadcast(S, ap.get(F, a));
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, ap.get(F, a + 4));
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, ap.get(F, a + 8));
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, ap.get(F, a + 12));
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, ap.get(F, a + 16));
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, ap.get(F, a + 20));
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, ap.get(F, a + 24));
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, ap.get(F, a + 28));
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
            a += 32;
            b += 2 * VB;
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c10.intoArray(tile, 2 * L);
        c11.intoArray(tile, 3 * L);
        c20.intoArray(tile, 4 * L);
        c21.intoArray(tile, 5 * L);
        c30.intoArray(tile, 6 * L);
        c31.intoArray(tile, 7 * L);
        c40.intoArray(tile, 8 * L);
        c41.intoArray(tile, 9 * L);
        c50.intoArray(tile, 10 * L);
        c51.intoArray(tile, 11 * L);
        c60.intoArray(tile, 12 * L);
        c61.intoArray(tile, 13 * L);
        c70.intoArray(tile, 14 * L);
        c71.intoArray(tile, 15 * L);
    }

    private static void kernel6(
            MemorySegment ap, long aOff, MemorySegment bp, long bOff, int kc, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00;
        FloatVector c10 = c00, c11 = c00;
        FloatVector c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00;
        FloatVector c40 = c00, c41 = c00;
        FloatVector c50 = c00, c51 = c00;
        long a = aOff;
        long b = bOff;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromMemorySegment(S, bp, b, O);
            FloatVector b1 = FloatVector.fromMemorySegment(S, bp, b + VB, O);
            FloatVector x = FloatVector.broadcast(S, ap.get(F, a));
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, ap.get(F, a + 4));
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, ap.get(F, a + 8));
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, ap.get(F, a + 12));
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, ap.get(F, a + 16));
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, ap.get(F, a + 20));
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            a += 24;
            b += 2 * VB;
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c10.intoArray(tile, 2 * L);
        c11.intoArray(tile, 3 * L);
        c20.intoArray(tile, 4 * L);
        c21.intoArray(tile, 5 * L);
        c30.intoArray(tile, 6 * L);
        c31.intoArray(tile, 7 * L);
        c40.intoArray(tile, 8 * L);
        c41.intoArray(tile, 9 * L);
        c50.intoArray(tile, 10 * L);
        c51.intoArray(tile, 11 * L);
    }

    /**
     * Combines a finished tile (row-major, rows {@link #NR} floats apart; {@link HeapTileGemm}'s
     * too) with C[i.., j..] for {@code rows × cols} valid elements: C = alpha · tile + cScale · C,
     * where {@code cScale} is 0 (C not read), beta, or 1 for later depth blocks. When {@code last},
     * the caller passes the bias row vector (if any, element j at {@code bias + biasOff + 4j}) and
     * the activation; otherwise null and {@link Epilogue#NONE}.
     */
    static void epilogue(
            float[] tile,
            int rows,
            int cols,
            MemorySegment c,
            long cOff,
            int ldc,
            int i,
            int j,
            float alpha,
            float cScale,
            MemorySegment bias,
            long biasOff,
            int activation) {
        long rowBytes = (long) ldc * Float.BYTES;
        long cp = cOff + ((long) i * ldc + j) * Float.BYTES;
        long vb = (long) L * Float.BYTES;
        if (cols == NR) {
            FloatVector va = FloatVector.broadcast(S, alpha);
            FloatVector vs = FloatVector.broadcast(S, cScale);
            for (int r = 0; r < rows; r++) {
                long cr = cp + r * rowBytes;
                FloatVector v0 = FloatVector.fromArray(S, tile, r * NR).mul(va);
                FloatVector v1 = FloatVector.fromArray(S, tile, r * NR + L).mul(va);
                if (cScale != 0f) {
                    v0 = FloatVector.fromMemorySegment(S, c, cr, O).fma(vs, v0);
                    v1 = FloatVector.fromMemorySegment(S, c, cr + vb, O).fma(vs, v1);
                }
                if (bias != null) {
                    long bp = biasOff + (long) j * Float.BYTES;
                    v0 = v0.add(FloatVector.fromMemorySegment(S, bias, bp, O));
                    v1 = v1.add(FloatVector.fromMemorySegment(S, bias, bp + vb, O));
                }
                if (activation == Epilogue.RELU) {
                    v0 = v0.max(0f);
                    v1 = v1.max(0f);
                }
                v0.intoMemorySegment(c, cr, O);
                v1.intoMemorySegment(c, cr + vb, O);
            }
        } else {
            for (int r = 0; r < rows; r++) {
                long cr = cp + r * rowBytes;
                for (int q = 0; q < cols; q++) {
                    long e = cr + (long) q * Float.BYTES;
                    float v = alpha * tile[r * NR + q];
                    if (cScale != 0f) {
                        v = Math.fma(cScale, c.get(F, e), v);
                    }
                    if (bias != null) {
                        v += bias.get(F, biasOff + (long) (j + q) * Float.BYTES);
                    }
                    if (activation == Epilogue.RELU) {
                        v = Math.max(v, 0f);
                    }
                    c.set(F, e, v);
                }
            }
        }
        if (activation == Epilogue.SIGMOID || activation == Epilogue.TANH) {
            int f = activation == Epilogue.SIGMOID ? VectorMath.SIGMOID : VectorMath.TANH;
            for (int r = 0; r < rows; r++) {
                VectorMath.apply(f, c, cp + r * rowBytes, c, cp + r * rowBytes, cols, 0f);
            }
        }
    }

    private static void kernel8Direct(
            MemorySegment ap,
            long aOff,
            long rowBytes,
            MemorySegment bp,
            long bOff,
            int kc,
            float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00;
        FloatVector c10 = c00, c11 = c00;
        FloatVector c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00;
        FloatVector c40 = c00, c41 = c00;
        FloatVector c50 = c00, c51 = c00;
        FloatVector c60 = c00, c61 = c00;
        FloatVector c70 = c00, c71 = c00;
        long a = aOff;
        long r1 = 1 * rowBytes;
        long r2 = 2 * rowBytes;
        long r3 = 3 * rowBytes;
        long r4 = 4 * rowBytes;
        long r5 = 5 * rowBytes;
        long r6 = 6 * rowBytes;
        long r7 = 7 * rowBytes;
        long b = bOff;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromMemorySegment(S, bp, b, O);
            FloatVector b1 = FloatVector.fromMemorySegment(S, bp, b + VB, O);
            FloatVector x = FloatVector.broadcast(S, ap.get(F, a));
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, ap.get(F, a + r1));
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, ap.get(F, a + r2));
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, ap.get(F, a + r3));
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, ap.get(F, a + r4));
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, ap.get(F, a + r5));
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, ap.get(F, a + r6));
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, ap.get(F, a + r7));
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
            a += Float.BYTES;
            b += 2 * VB;
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c10.intoArray(tile, 2 * L);
        c11.intoArray(tile, 3 * L);
        c20.intoArray(tile, 4 * L);
        c21.intoArray(tile, 5 * L);
        c30.intoArray(tile, 6 * L);
        c31.intoArray(tile, 7 * L);
        c40.intoArray(tile, 8 * L);
        c41.intoArray(tile, 9 * L);
        c50.intoArray(tile, 10 * L);
        c51.intoArray(tile, 11 * L);
        c60.intoArray(tile, 12 * L);
        c61.intoArray(tile, 13 * L);
        c70.intoArray(tile, 14 * L);
        c71.intoArray(tile, 15 * L);
    }

    private static void kernel6Direct(
            MemorySegment ap,
            long aOff,
            long rowBytes,
            MemorySegment bp,
            long bOff,
            int kc,
            float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00;
        FloatVector c10 = c00, c11 = c00;
        FloatVector c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00;
        FloatVector c40 = c00, c41 = c00;
        FloatVector c50 = c00, c51 = c00;
        long a = aOff;
        long r1 = 1 * rowBytes;
        long r2 = 2 * rowBytes;
        long r3 = 3 * rowBytes;
        long r4 = 4 * rowBytes;
        long r5 = 5 * rowBytes;
        long b = bOff;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromMemorySegment(S, bp, b, O);
            FloatVector b1 = FloatVector.fromMemorySegment(S, bp, b + VB, O);
            FloatVector x = FloatVector.broadcast(S, ap.get(F, a));
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, ap.get(F, a + r1));
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, ap.get(F, a + r2));
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, ap.get(F, a + r3));
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, ap.get(F, a + r4));
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, ap.get(F, a + r5));
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            a += Float.BYTES;
            b += 2 * VB;
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c10.intoArray(tile, 2 * L);
        c11.intoArray(tile, 3 * L);
        c20.intoArray(tile, 4 * L);
        c21.intoArray(tile, 5 * L);
        c30.intoArray(tile, 6 * L);
        c31.intoArray(tile, 7 * L);
        c40.intoArray(tile, 8 * L);
        c41.intoArray(tile, 9 * L);
        c50.intoArray(tile, 10 * L);
        c51.intoArray(tile, 11 * L);
    }
}
