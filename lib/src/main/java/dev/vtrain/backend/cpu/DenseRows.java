package dev.vtrain.backend.cpu;

import java.lang.foreign.MemorySegment;

/**
 * A dense layer's product on few rows, {@code out = x · Wᵀ + bias} (W row-major, n × k), by a
 * kernel that needs no packing: {@link Gemv} for one row, {@link ShortGemm} for a short k.
 */
interface DenseRows {
    /**
     * Overwrites {@code out} (m × n) from {@code x} (m × k), {@code w} and {@code bias} (may be
     * null).
     */
    void run(
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
            int k);
}
