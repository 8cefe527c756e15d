package dev.vtrain.backend.cpu;

import dev.vtrain.backend.Activation;
import java.lang.foreign.MemorySegment;

/**
 * An activation's backward pass fused with the column sums that give the bias gradient of the layer
 * below, split across {@link Parallel} by column blocks so each column's sum is computed by one
 * thread, in row order, whatever the thread count. Preallocated and refilled per call.
 */
final class BiasGradJob implements Parallel.Body {
    private static final int MIN_PARALLEL_ELEMENTS = 1 << 15;

    private Activation f;
    private MemorySegment out;
    private MemorySegment gradOut;
    private MemorySegment gradIn;
    private MemorySegment biasGrad;
    private long outOff;
    private long gradOutOff;
    private long gradInOff;
    private long biasGradOff;
    private int rows;
    private int n;
    private float beta;
    private int chunk;

    /** Sets up one call over (rows × n) matrices and returns the number of tasks. */
    int prepare(
            Activation f,
            MemorySegment out,
            long outOff,
            MemorySegment gradOut,
            long gradOutOff,
            MemorySegment gradIn,
            long gradInOff,
            int rows,
            int n,
            MemorySegment biasGrad,
            long biasGradOff,
            float beta,
            int threads) {
        this.f = f;
        this.out = out;
        this.outOff = outOff;
        this.gradOut = gradOut;
        this.gradOutOff = gradOutOff;
        this.gradIn = gradIn;
        this.gradInOff = gradInOff;
        this.rows = rows;
        this.n = n;
        this.biasGrad = biasGrad;
        this.biasGradOff = biasGradOff;
        this.beta = beta;
        int lanes = VectorGemm.L;
        if (threads == 1 || (long) rows * n < MIN_PARALLEL_ELEMENTS) {
            chunk = n;
            return 1;
        }
        int blocks = (n + lanes - 1) / lanes;
        int perTask = Math.max(1, (blocks + threads * 2 - 1) / (threads * 2));
        chunk = perTask * lanes;
        return (n + chunk - 1) / chunk;
    }

    @Override
    public void run(int task, int worker) {
        int j0 = task * chunk;
        int j1 = Math.min(n, j0 + chunk);
        VectorOps.activationBackwardSumRows(
                f,
                out,
                outOff,
                gradOut,
                gradOutOff,
                gradIn,
                gradInOff,
                rows,
                n,
                biasGrad,
                biasGradOff,
                beta,
                j0,
                j1);
    }

    /** Drops references to the operands. */
    void clear() {
        out = null;
        gradOut = null;
        gradIn = null;
        biasGrad = null;
    }
}
