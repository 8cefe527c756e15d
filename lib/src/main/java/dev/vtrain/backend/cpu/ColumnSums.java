package dev.vtrain.backend.cpu;

import dev.vtrain.tensor.HostStorage;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Column sums {@code dst[j] = beta · dst[j] + Σ_i src[i, j]} of a tall, narrow matrix (a
 * convolution's bias gradient: batch × pixels rows, a few vectors of channels): fixed chunks of
 * rows, one task each, sweep their rows once with the columns in up to four vector registers and
 * write partial sums to scratch; the calling thread adds the partials in chunk order. Chunking
 * depends only on the shape, so results do not depend on the thread count.
 */
final class ColumnSums implements Parallel.Body {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final long VB = (long) L * Float.BYTES;
    private static final ByteOrder O = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final int CHUNK = 1024;
    private static final int MAX_CHUNKS = 1 << 12;

    private final Parallel parallel;
    private final HostStorage scratch;
    private final MemorySegment partials;
    private MemorySegment src;
    private long sOff;
    private int rows;
    private int n;
    private int chunk;

    ColumnSums(Parallel parallel) {
        this.parallel = parallel;
        this.scratch = HostStorage.allocate((long) MAX_CHUNKS * 4 * L);
        this.partials = scratch.segment();
    }

    /** Whether a {@code rows × n} matrix suits this pass. */
    static boolean suits(int rows, int n) {
        return n % L == 0 && n <= 4 * L && rows >= 4 * CHUNK;
    }

    void run(
            MemorySegment src,
            long sOff,
            int rows,
            int n,
            MemorySegment dst,
            long dOff,
            float beta) {
        this.src = src;
        this.sOff = sOff;
        this.rows = rows;
        this.n = n;
        chunk = CHUNK;
        while ((rows + chunk - 1) / chunk > MAX_CHUNKS) {
            chunk *= 2;
        }
        int chunks = (rows + chunk - 1) / chunk;
        try {
            parallel.forEach(chunks, this);
        } finally {
            this.src = null;
        }
        for (int j = 0; j < n; j++) {
            float s = 0f;
            for (int t = 0; t < chunks; t++) {
                s += partials.getAtIndex(F, (long) t * n + j);
            }
            long at = dOff + (long) j * Float.BYTES;
            dst.set(F, at, (beta == 0f ? 0f : beta * dst.get(F, at)) + s);
        }
    }

    @Override
    public void run(int task, int worker) {
        int r0 = task * chunk;
        int r1 = Math.min(rows, r0 + chunk);
        int vectors = n / L;
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        long rowBytes = (long) n * Float.BYTES;
        long p = sOff + r0 * rowBytes;
        for (int r = r0; r < r1; r++, p += rowBytes) {
            a0 = a0.add(FloatVector.fromMemorySegment(S, src, p, O));
            if (vectors > 1) {
                a1 = a1.add(FloatVector.fromMemorySegment(S, src, p + VB, O));
            }
            if (vectors > 2) {
                a2 = a2.add(FloatVector.fromMemorySegment(S, src, p + 2 * VB, O));
            }
            if (vectors > 3) {
                a3 = a3.add(FloatVector.fromMemorySegment(S, src, p + 3 * VB, O));
            }
        }
        long o = (long) task * n * Float.BYTES;
        a0.intoMemorySegment(partials, o, O);
        if (vectors > 1) {
            a1.intoMemorySegment(partials, o + VB, O);
        }
        if (vectors > 2) {
            a2.intoMemorySegment(partials, o + 2 * VB, O);
        }
        if (vectors > 3) {
            a3.intoMemorySegment(partials, o + 3 * VB, O);
        }
    }

    void close() {
        scratch.close();
    }
}
