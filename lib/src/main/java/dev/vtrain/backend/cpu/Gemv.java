package dev.vtrain.backend.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A dense layer on one row, {@code out[j] = bias[j] + Σ_k x[k] · W[j, k]} (W row-major, out × in):
 * a matrix-vector product that streams the weight once with four rows in flight, instead of packing
 * it for a GEMM. Token-by-token generation is this shape. Blocks of 64 outputs are tasks; each
 * output is computed the same way whichever thread runs it.
 */
final class Gemv implements Parallel.Body, DenseRows {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder O = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final long PARALLEL_WORK = 1 << 14;

    private final Parallel parallel;
    private MemorySegment out;
    private long outOff;
    private MemorySegment x;
    private long xOff;
    private MemorySegment w;
    private long wOff;
    private MemorySegment bias;
    private long biasOff;
    private int n;
    private int k;
    private int rowsPerTask;

    Gemv(Parallel parallel) {
        this.parallel = parallel;
    }

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
        if (m != 1) {
            throw new IllegalArgumentException("Gemv takes one row, got " + m);
        }
        this.out = out;
        this.outOff = outOff;
        this.x = x;
        this.xOff = xOff;
        this.w = w;
        this.wOff = wOff;
        this.bias = bias;
        this.biasOff = biasOff;
        this.n = n;
        this.k = k;
        // One contiguous block of rows per thread: the caller claims the first task and the
        // spinning worker the next, so each core streams (and keeps in its cache) the same part of
        // the weights token after token.
        int threads = (long) n * k < PARALLEL_WORK ? 1 : parallel.threads();
        rowsPerTask = (n + threads - 1) / threads;
        rowsPerTask = (rowsPerTask + 3) / 4 * 4;
        int tasks = (n + rowsPerTask - 1) / rowsPerTask;
        if (tasks == 1) {
            run(0, 0);
        } else {
            parallel.forEach(tasks, this);
        }
    }

    @Override
    public void run(int task, int worker) {
        int j0 = task * rowsPerTask;
        int j1 = Math.min(n, j0 + rowsPerTask);
        long rowBytes = (long) k * Float.BYTES;
        int vec = k - k % L;
        int j = j0;
        for (; j + 4 <= j1; j += 4) {
            long r0 = wOff + j * rowBytes;
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = FloatVector.zero(S);
            FloatVector a2 = FloatVector.zero(S);
            FloatVector a3 = FloatVector.zero(S);
            for (int i = 0; i < vec; i += L) {
                long off = (long) i * Float.BYTES;
                FloatVector xv = FloatVector.fromMemorySegment(S, x, xOff + off, O);
                a0 = FloatVector.fromMemorySegment(S, w, r0 + off, O).fma(xv, a0);
                a1 = FloatVector.fromMemorySegment(S, w, r0 + rowBytes + off, O).fma(xv, a1);
                a2 = FloatVector.fromMemorySegment(S, w, r0 + 2 * rowBytes + off, O).fma(xv, a2);
                a3 = FloatVector.fromMemorySegment(S, w, r0 + 3 * rowBytes + off, O).fma(xv, a3);
            }
            store(j, a0.reduceLanes(VectorOperators.ADD), r0, vec);
            store(j + 1, a1.reduceLanes(VectorOperators.ADD), r0 + rowBytes, vec);
            store(j + 2, a2.reduceLanes(VectorOperators.ADD), r0 + 2 * rowBytes, vec);
            store(j + 3, a3.reduceLanes(VectorOperators.ADD), r0 + 3 * rowBytes, vec);
        }
        for (; j < j1; j++) {
            long r0 = wOff + j * rowBytes;
            FloatVector a0 = FloatVector.zero(S);
            for (int i = 0; i < vec; i += L) {
                long off = (long) i * Float.BYTES;
                a0 =
                        FloatVector.fromMemorySegment(S, w, r0 + off, O)
                                .fma(FloatVector.fromMemorySegment(S, x, xOff + off, O), a0);
            }
            store(j, a0.reduceLanes(VectorOperators.ADD), r0, vec);
        }
    }

    /** Adds the scalar tail of row j (from {@code vec}) and the bias, and writes out[j]. */
    private void store(int j, float sum, long row, int vec) {
        for (int i = vec; i < k; i++) {
            sum += w.get(F, row + (long) i * Float.BYTES) * x.get(F, xOff + (long) i * Float.BYTES);
        }
        if (bias != null) {
            sum += bias.get(F, biasOff + (long) j * Float.BYTES);
        }
        out.set(F, outOff + (long) j * Float.BYTES, sum);
    }
}
