package dev.vtrain.backend.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The packed SGEMM of {@link PackedGemm} for machines with 16 vector registers (AVX2): the same
 * BLIS blocking and layouts, but the packed blocks live in per-worker heap arrays and the register
 * tile has 4 rows.
 *
 * <p>Why. C2 hoists every broadcast of the tile loop's body to its top. A 6 × 2-vector tile then
 * needs 12 accumulators, 2 B vectors and 6 broadcasts, 20 vectors for 16 registers, and C2 spills
 * an accumulator to the stack on every step (seen with {@code -XX:+PrintAssembly}). {@link
 * PackedGemm} reads its packed blocks from a {@code MemorySegment}, where C2 hoists the bounds
 * check of only the first load at each offset: the others stay in the loop, about 40 instructions
 * per 12 FMAs, and they happen to keep the broadcasts apart. Here the 4 × 2-vector tile holds 8
 * accumulators, 2 B vectors and 4 broadcasts (14 registers) even with every load hoisted, and heap
 * arrays indexed by ints let C2 hoist all bounds checks out of the loop. On a Zen 3 core, operands
 * in L1, 256 deep: 51–58 GFLOP/s for this loop (69–74 when the arrays happen to be 16-byte
 * aligned), 37–62 for the segment 6-row tile, 75–90 for a 6-row tile in C with intrinsics.
 *
 * <p>Heap arrays are only 8-byte aligned and the collector may move them, so whether a B vector
 * straddles a 16-byte boundary is luck; that costs up to a quarter of the loop's speed here.
 *
 * <p>Layouts, as in {@link PackedGemm}: a block of {@link #MR} rows of op(A) by {@code kc} p-major,
 * element (r, p) at {@code p · MR + r}; a B panel as slivers of {@link #NR} columns, element (p, j)
 * of sliver s at {@code s · kc · NR + p · NR + j}; zero past the matrix. Results do not depend on
 * the split between threads: the depth blocks depend on k alone.
 */
final class HeapTileGemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder O = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    /**
     * Whether {@link GemmStrategy#AUTO} takes this path: where vectors have 8 lanes, the width of
     * AVX2 and its 16 registers. Wider (AVX-512, 32 registers) and narrower species keep {@link
     * PackedGemm}.
     */
    static final boolean PREFERRED = L == 8;

    /** Rows of a register tile. */
    static final int MR = 4;

    /** Columns of a register tile: two vectors. */
    static final int NR = 2 * L;

    /** Depth of one packed block. */
    static final int KC = 256;

    /** Columns of one packed B panel. */
    static final int NC = 512;

    /** Rows of one packed A block. */
    static final int MC = 128;

    /** Floats of a worker's B panel. */
    static final int B_FLOATS = KC * NC;

    /** Floats of a worker's A block. */
    static final int A_FLOATS = KC * MC;

    /** Floats of a register tile. */
    static final int TILE_FLOATS = MR * NR;

    private HeapTileGemm() {}

    /**
     * Packs op(B)[p0..p0+kc, j0..j0+nc] into slivers of {@code dst} from index 0; op(B)(p, j) is
     * element {@code p · ldb + j} of {@code b} when {@code transB} is false, {@code j · ldb + p}
     * otherwise. Overwrites {@code kc · roundUp(nc, NR)} floats.
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
            float[] dst) {
        for (int s = 0; s * NR < nc; s++) {
            int cols = Math.min(NR, nc - s * NR);
            int sliver = s * kc * NR;
            int j = j0 + s * NR;
            if (transB) {
                for (int q = 0; q < NR; q++) {
                    int d = sliver + q;
                    if (q < cols) {
                        long src = bOff + ((long) (j + q) * ldb + p0) * Float.BYTES;
                        for (int p = 0; p < kc; p++) {
                            dst[d + p * NR] = b.get(F, src + (long) p * Float.BYTES);
                        }
                    } else {
                        for (int p = 0; p < kc; p++) {
                            dst[d + p * NR] = 0f;
                        }
                    }
                }
            } else if (cols == NR) {
                for (int p = 0; p < kc; p++) {
                    long src = bOff + ((long) (p0 + p) * ldb + j) * Float.BYTES;
                    int d = sliver + p * NR;
                    FloatVector.fromMemorySegment(S, b, src, O).intoArray(dst, d);
                    FloatVector.fromMemorySegment(S, b, src + (long) L * Float.BYTES, O)
                            .intoArray(dst, d + L);
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    long src = bOff + ((long) (p0 + p) * ldb + j) * Float.BYTES;
                    int d = sliver + p * NR;
                    for (int q = 0; q < NR; q++) {
                        dst[d + q] = q < cols ? b.get(F, src + (long) q * Float.BYTES) : 0f;
                    }
                }
            }
        }
    }

    /**
     * Packs op(A)[i0..i0+rows, p0..p0+kc] p-major into an {@code MR}-tall block of {@code dst} from
     * {@code dIdx}, zero below {@code rows}; op(A)(i, p) is at byte {@code aOff + i · rowBytes + p
     * · colBytes} of {@code a}. Overwrites {@code MR · kc} floats.
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
            float[] dst,
            int dIdx) {
        for (int r = 0; r < MR; r++) {
            int d = dIdx + r;
            if (r < rows) {
                long src = aOff + (i0 + r) * rowBytes + p0 * colBytes;
                for (int p = 0; p < kc; p++) {
                    dst[d + p * MR] = a.get(F, src + p * colBytes);
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    dst[d + p * MR] = 0f;
                }
            }
        }
    }

    /**
     * The micro-kernel: tile = Σ_p A-block[:, p] ⊗ B-sliver[p, :] over {@code kc} steps, both
     * packed, written (overwritten) row-major to {@code tile}, which {@link PackedGemm#epilogue}
     * then combines with C.
     */
    static void kernel(float[] ap, int aIdx, float[] bp, int bIdx, int kc, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00;
        FloatVector c10 = c00, c11 = c00;
        FloatVector c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00;
        for (int p = 0; p < kc; p++) {
            int a = aIdx + p * MR;
            int b = bIdx + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, b);
            FloatVector b1 = FloatVector.fromArray(S, bp, b + L);
            FloatVector x = FloatVector.broadcast(S, ap[a]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, ap[a + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, ap[a + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, ap[a + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c10.intoArray(tile, 2 * L);
        c11.intoArray(tile, 3 * L);
        c20.intoArray(tile, 4 * L);
        c21.intoArray(tile, 5 * L);
        c30.intoArray(tile, 6 * L);
        c31.intoArray(tile, 7 * L);
    }
}
