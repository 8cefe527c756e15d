package dev.vtrain.backend.cpu;

import java.lang.foreign.MemorySegment;

/**
 * One SGEMM call split into tiles of C for {@link Parallel}: preallocated and refilled per call, so
 * splitting allocates nothing. Tiles never overlap, so no two threads write one element.
 */
final class GemmJob implements Parallel.Body {
    private static final long MIN_PARALLEL_FLOPS = 1L << 20;

    /** Per-worker scratch for lane reductions. */
    MemorySegment scratch;

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
        long flops = 2L * m * n * k;
        if (threads == 1 || flops < MIN_PARALLEL_FLOPS) {
            rowChunk = m;
            colChunk = n;
            colTasks = 1;
            return 1;
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
        if (!transB) {
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

    /** Drops references to the operands so a finished call pins no memory. */
    void clear() {
        a = null;
        b = null;
        c = null;
    }
}
