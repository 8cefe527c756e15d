package dev.vtrain.backend.cpu;

import java.lang.foreign.MemorySegment;

/**
 * One SGEMM call split into tiles of C for {@link Parallel}: preallocated and refilled per call, so
 * splitting allocates nothing. Tiles never overlap, so no two threads write one element.
 */
final class GemmJob implements Parallel.Body {
    private static final long MIN_PARALLEL_FLOPS = 1L << 20;

    /** Floats of one worker's register tile. */
    static final int TILE_FLOATS = Math.max(PackedGemm.TILE_FLOATS, HeapTileGemm.TILE_FLOATS);

    /** Per-worker scratch for lane reductions. */
    MemorySegment scratch;

    /** How products are computed. */
    GemmStrategy strategy = GemmStrategy.AUTO;

    /** Widest C panel, in slivers, whose A blocks are read in place rather than packed. */
    static final int DIRECT_A_MAX_SLIVERS = 4;

    /** Per-worker packing buffers, {@link PackedGemm#SCRATCH_FLOATS} floats each. */
    MemorySegment packs;

    /** Per-worker B panels of {@link HeapTileGemm}, {@link HeapTileGemm#B_FLOATS} floats each. */
    float[][] heapB;

    /** Per-worker A blocks of {@link HeapTileGemm}, {@link HeapTileGemm#A_FLOATS} floats each. */
    float[][] heapA;

    /**
     * Per-worker register tiles of both packed kernels, {@link #TILE_FLOATS} floats each (the
     * larger of {@link PackedGemm#TILE_FLOATS} and {@link HeapTileGemm#TILE_FLOATS}).
     */
    float[][] heapTile;

    private MemorySegment a;
    private MemorySegment b;
    private MemorySegment c;
    private long aOff;
    private long bOff;
    private long cOff;
    private int lda;
    private int ldb;
    private int m;
    private int n;
    private int k;
    private boolean transA;
    private boolean transB;
    private float alpha;
    private float beta;
    private int rowChunk;
    private int colChunk;
    private int colTasks;
    private boolean packed;
    private boolean heapTiles;
    private MemorySegment bias;
    private long biasOff;
    private int epilogue;

    /** Sets up {@code c = alpha · op(a) · op(b) + beta · c} and returns the number of tasks. */
    int prepare(
            MemorySegment a,
            long aOff,
            int lda,
            boolean transA,
            MemorySegment b,
            long bOff,
            int ldb,
            boolean transB,
            MemorySegment c,
            long cOff,
            int m,
            int n,
            int k,
            float alpha,
            float beta,
            int threads) {
        this.a = a;
        this.b = b;
        this.c = c;
        this.aOff = aOff;
        this.bOff = bOff;
        this.cOff = cOff;
        this.lda = lda;
        this.ldb = ldb;
        this.m = m;
        this.n = n;
        this.k = k;
        this.transA = transA;
        this.transB = transB;
        this.alpha = alpha;
        this.beta = beta;
        this.bias = null;
        this.epilogue = Epilogue.NONE;
        this.packed = GemmPlan.packed(strategy, m, n, k);
        this.heapTiles =
                strategy == GemmStrategy.PACKED_SMALL_TILE
                        || (packed && strategy == GemmStrategy.AUTO && HeapTileGemm.PREFERRED);
        long flops = 2L * m * n * k;
        if (threads == 1 || flops < MIN_PARALLEL_FLOPS) {
            rowChunk = m;
            colChunk = n;
            colTasks = 1;
            return 1;
        }
        if (packed) {
            // One task per thread: every extra task packs the shared operand once more. Two per
            // thread made the 2-thread 784-256-128-10 step 16 % slower (631 against 528 µs) and,
            // run by the caller alone on a shared core, 28 % slower than the 1-thread plan.
            return heapTiles
                    ? splitPacked(threads, HeapTileGemm.MR, HeapTileGemm.NR)
                    : splitPacked(threads, PackedGemm.MR, PackedGemm.NR);
        }
        int target = threads * 4;
        int rowUnit = VectorGemm.MR;
        int colUnit = transB && !transA ? VectorGemm.NR : VectorGemm.NR * VectorGemm.L;
        rowChunk = roundUp(ceilDiv(m, target), rowUnit);
        int rowTasks = ceilDiv(m, rowChunk);
        colTasks = Math.max(1, Math.min(target / rowTasks, ceilDiv(n, colUnit)));
        colChunk = roundUp(ceilDiv(n, colTasks), colUnit);
        colTasks = ceilDiv(n, colChunk);
        return rowTasks * colTasks;
    }

    /**
     * Splits the packed path into about {@code target} tasks along one dimension. Every task packs
     * the whole of the operand along the other dimension for itself, so the split runs along n
     * (each task re-packs A, m × k) when m ≤ n (m &lt; n / 2 on the small-tile path), and along m
     * (each re-packs B, k × n) otherwise.
     */
    private int splitPacked(int target, int mr, int nr) {
        int rowTasks;
        // The small-tile path packs B with vector copies but A element by element, so there a split
        // along m (each task packs all of B) stays cheaper until m is well below n: 256³ on two
        // threads ran at 87 against 60 GFLOP/s (Zen 3, both splits alternating in one JVM), the
        // other GemmBench shapes within noise of each other.
        boolean alongN = heapTiles ? m < n / 2 : m <= n;
        if (alongN) {
            colTasks = Math.min(target, ceilDiv(n, nr));
            rowTasks = Math.max(1, Math.min(target / colTasks, ceilDiv(m, mr)));
        } else {
            rowTasks = Math.min(target, ceilDiv(m, mr));
            colTasks = Math.max(1, Math.min(target / rowTasks, ceilDiv(n, nr)));
        }
        rowChunk = roundUp(ceilDiv(m, rowTasks), mr);
        colChunk = roundUp(ceilDiv(n, colTasks), nr);
        colTasks = ceilDiv(n, colChunk);
        return ceilDiv(m, rowChunk) * colTasks;
    }

    private static int ceilDiv(int x, int y) {
        return (x + y - 1) / y;
    }

    private static int roundUp(int x, int unit) {
        return ceilDiv(x, unit) * unit;
    }

    @Override
    public void run(int task, int worker) {
        int i0 = task / colTasks * rowChunk;
        int j0 = task % colTasks * colChunk;
        int i1 = Math.min(m, i0 + rowChunk);
        int j1 = Math.min(n, j0 + colChunk);
        if (heapTiles) {
            runHeapTiles(i0, i1, j0, j1, worker);
        } else if (packed) {
            runPacked(i0, i1, j0, j1, worker);
        } else if (!transB) {
            int ars = transA ? 1 : lda;
            int acs = transA ? lda : 1;
            VectorGemm.broadcast(
                    a, aOff, ars, acs, b, bOff, ldb, c, cOff, n, k, i0, i1, j0, j1, alpha, beta);
        } else if (!transA) {
            VectorGemm.dot(
                    a,
                    aOff,
                    lda,
                    b,
                    bOff,
                    ldb,
                    c,
                    cOff,
                    n,
                    k,
                    i0,
                    i1,
                    j0,
                    j1,
                    alpha,
                    beta,
                    scratch,
                    UpdateJob.scratchOffset(worker));
        } else {
            for (int i = i0; i < i1; i++) {
                for (int j = j0; j < j1; j++) {
                    VectorGemm.scalarCell(
                            a, aOff, 1, lda, b, bOff, 1, ldb, c, cOff, n, k, i, j, alpha, beta);
                }
            }
        }
    }

    /** Whether the prepared call takes the packed path (which applies the epilogue). */
    boolean packed() {
        return packed;
    }

    /**
     * Makes the prepared packed call add {@code bias} (element j at byte {@code biasOff + 4j}; may
     * be null) and apply {@code code} (an {@link Epilogue} constant) to C when it writes it.
     */
    void epilogue(MemorySegment bias, long biasOff, int code) {
        this.bias = bias;
        this.biasOff = biasOff;
        this.epilogue = code;
    }

    /** The packed path over C rows [i0, i1) and columns [j0, j1), with this worker's buffers. */
    private void runPacked(int i0, int i1, int j0, int j1, int worker) {
        long base = worker * PackedGemm.SCRATCH_FLOATS * Float.BYTES;
        float[] tile = heapTile[worker];
        long aBlock = base + PackedGemm.A_BLOCK_FLOATS * Float.BYTES;
        long rowBytes = (long) (transA ? 1 : lda) * Float.BYTES;
        long colBytes = (long) (transA ? lda : 1) * Float.BYTES;
        int blocks = (k + PackedGemm.KC - 1) / PackedGemm.KC;
        int kcStep = (k + blocks - 1) / blocks;
        for (int jc = j0; jc < j1; jc += PackedGemm.NC) {
            int nc = Math.min(PackedGemm.NC, j1 - jc);
            for (int pc = 0; pc < k; pc += kcStep) {
                int kc = Math.min(kcStep, k - pc);
                PackedGemm.packB(b, bOff, ldb, transB, pc, kc, jc, nc, packs, base);
                float cScale = pc == 0 ? beta : 1f;
                boolean last = pc + kc == k;
                MemorySegment biasNow = last ? bias : null;
                int epilogueNow = last ? epilogue : Epilogue.NONE;
                // A C only a few slivers wide meets each A block too few times to repay packing
                // it: full blocks of a row-major A are then read in place.
                boolean direct = !transA && nc <= DIRECT_A_MAX_SLIVERS * PackedGemm.NR;
                if (direct) {
                    runDirect(
                            i0,
                            i1,
                            jc,
                            nc,
                            pc,
                            kc,
                            rowBytes,
                            colBytes,
                            base,
                            tile,
                            aBlock,
                            cScale,
                            biasNow,
                            epilogueNow);
                    continue;
                }
                // BLIS order: pack an MC-row block of A (kept in L2), then for each B sliver
                // (kept in L1) sweep the block's micro-panels under it.
                for (int ic = i0; ic < i1; ic += PackedGemm.MC) {
                    int mc = Math.min(PackedGemm.MC, i1 - ic);
                    long panelBytes = (long) kc * PackedGemm.MR * Float.BYTES;
                    for (int ir = 0; ir < mc; ir += PackedGemm.MR) {
                        PackedGemm.packA(
                                a,
                                aOff,
                                rowBytes,
                                colBytes,
                                ic + ir,
                                Math.min(PackedGemm.MR, mc - ir),
                                pc,
                                kc,
                                packs,
                                aBlock + (ir / PackedGemm.MR) * panelBytes);
                    }
                    for (int jr = 0; jr < nc; jr += PackedGemm.NR) {
                        long sliver = base + (long) jr * kc * Float.BYTES;
                        int cols = Math.min(PackedGemm.NR, nc - jr);
                        for (int ir = 0; ir < mc; ir += PackedGemm.MR) {
                            PackedGemm.kernel(
                                    packs,
                                    aBlock + (ir / PackedGemm.MR) * panelBytes,
                                    packs,
                                    sliver,
                                    kc,
                                    tile);
                            PackedGemm.epilogue(
                                    tile,
                                    Math.min(PackedGemm.MR, mc - ir),
                                    cols,
                                    c,
                                    cOff,
                                    n,
                                    ic + ir,
                                    jc + jr,
                                    alpha,
                                    cScale,
                                    biasNow,
                                    biasOff,
                                    epilogueNow);
                        }
                    }
                }
            }
        }
    }

    /** {@link #runPacked} with {@link HeapTileGemm}'s kernel and this worker's heap arrays. */
    private void runHeapTiles(int i0, int i1, int j0, int j1, int worker) {
        float[] bp = heapB[worker];
        float[] ap = heapA[worker];
        float[] tile = heapTile[worker];
        int mr = HeapTileGemm.MR;
        int nr = HeapTileGemm.NR;
        long rowBytes = (long) (transA ? 1 : lda) * Float.BYTES;
        long colBytes = (long) (transA ? lda : 1) * Float.BYTES;
        int blocks = (k + HeapTileGemm.KC - 1) / HeapTileGemm.KC;
        int kcStep = (k + blocks - 1) / blocks;
        for (int jc = j0; jc < j1; jc += HeapTileGemm.NC) {
            int nc = Math.min(HeapTileGemm.NC, j1 - jc);
            for (int pc = 0; pc < k; pc += kcStep) {
                int kc = Math.min(kcStep, k - pc);
                HeapTileGemm.packB(b, bOff, ldb, transB, pc, kc, jc, nc, bp);
                float cScale = pc == 0 ? beta : 1f;
                boolean last = pc + kc == k;
                MemorySegment biasNow = last ? bias : null;
                int epilogueNow = last ? epilogue : Epilogue.NONE;
                for (int ic = i0; ic < i1; ic += HeapTileGemm.MC) {
                    int mc = Math.min(HeapTileGemm.MC, i1 - ic);
                    for (int ir = 0; ir < mc; ir += mr) {
                        HeapTileGemm.packA(
                                a,
                                aOff,
                                rowBytes,
                                colBytes,
                                ic + ir,
                                Math.min(mr, mc - ir),
                                pc,
                                kc,
                                ap,
                                ir * kc);
                    }
                    // Each A micro-panel (L1) under every B sliver of the panel (L2), so
                    // consecutive tiles of C lie side by side in the same rows. The BLIS order
                    // (sliver outer) put consecutive tiles in rows 4 KB apart at n = 1024 and
                    // measured 5-13 % slower on Zen 3 (1 thread, both orders in one JVM).
                    for (int ir = 0; ir < mc; ir += mr) {
                        for (int jr = 0; jr < nc; jr += nr) {
                            int cols = Math.min(nr, nc - jr);
                            HeapTileGemm.kernel(ap, ir * kc, bp, jr * kc, kc, tile);
                            PackedGemm.epilogue(
                                    tile,
                                    Math.min(mr, mc - ir),
                                    cols,
                                    c,
                                    cOff,
                                    n,
                                    ic + ir,
                                    jc + jr,
                                    alpha,
                                    cScale,
                                    biasNow,
                                    biasOff,
                                    epilogueNow);
                        }
                    }
                }
            }
        }
    }

    /**
     * One B panel against rows [i0, i1) for a C only a few slivers wide: full MR-row blocks of a
     * row-major A are read in place, the rest packed one micro-panel at a time.
     */
    private void runDirect(
            int i0,
            int i1,
            int jc,
            int nc,
            int pc,
            int kc,
            long rowBytes,
            long colBytes,
            long base,
            float[] tile,
            long aBlock,
            float cScale,
            MemorySegment biasNow,
            int epilogueNow) {
        for (int ir = i0; ir < i1; ir += PackedGemm.MR) {
            int rows = Math.min(PackedGemm.MR, i1 - ir);
            boolean inPlace = rows == PackedGemm.MR;
            long aRow = aOff + ir * rowBytes + pc * colBytes;
            if (!inPlace) {
                PackedGemm.packA(a, aOff, rowBytes, colBytes, ir, rows, pc, kc, packs, aBlock);
            }
            for (int jr = 0; jr < nc; jr += PackedGemm.NR) {
                if (inPlace) {
                    PackedGemm.kernelDirect(
                            a,
                            aRow,
                            rowBytes,
                            packs,
                            base + (long) jr * kc * Float.BYTES,
                            kc,
                            tile);
                } else {
                    PackedGemm.kernel(
                            packs, aBlock, packs, base + (long) jr * kc * Float.BYTES, kc, tile);
                }
                PackedGemm.epilogue(
                        tile,
                        rows,
                        Math.min(PackedGemm.NR, nc - jr),
                        c,
                        cOff,
                        n,
                        ir,
                        jc + jr,
                        alpha,
                        cScale,
                        biasNow,
                        biasOff,
                        epilogueNow);
            }
        }
    }

    /** Drops references to the operands so a finished call pins no memory. */
    void clear() {
        a = null;
        b = null;
        c = null;
        bias = null;
    }
}
