package dev.vtrain.peer;

import dev.vtrain.backend.Backend;
import dev.vtrain.tensor.Storage;
import dev.vtrain.tensor.Tensor;
import java.util.SplittableRandom;

/**
 * One SGEMM problem as the benchmarks time it, so that JMH ({@code GemmBench}) and {@code vtrain
 * bench} set up exactly the same operands: {@code C[m, n] = op(A)[m, k] · op(B)[k, n]} in one
 * off-heap storage, A and B filled with uniform values in [-0.5, 0.5) from seed 1, each operand
 * starting on a 64-byte boundary. Closing it frees the storage. Not thread-safe: one thread sets it
 * up, runs the products (which overwrite C) on its backend and closes it.
 */
public final class GemmProblem implements AutoCloseable {
    private final int m;
    private final int n;
    private final int k;
    private final boolean transA;
    private final boolean transB;
    private final Storage storage;
    private final Tensor a;
    private final Tensor b;
    private final Tensor c;

    /**
     * Allocates the operands of {@code shape} on {@code backend}: {@code m×n×k} followed by a
     * transpose code for A and B, {@code n} (as stored) or {@code t} (transposed), e.g. {@code
     * 128x256x784nt} for a Linear layer's forward product x·Wᵀ.
     *
     * @throws IllegalArgumentException if {@code shape} is not of that form
     */
    public GemmProblem(Backend backend, String shape) {
        if (!shape.matches("[1-9][0-9]{0,5}x[1-9][0-9]{0,5}x[1-9][0-9]{0,5}[nt][nt]")) {
            throw new IllegalArgumentException(
                    "Expected a GEMM shape like 128x256x784nt (m×n×k, then n or t for A and B),"
                            + " got '"
                            + shape
                            + "'");
        }
        String[] d = shape.substring(0, shape.length() - 2).split("x", -1);
        m = Integer.parseInt(d[0]);
        n = Integer.parseInt(d[1]);
        k = Integer.parseInt(d[2]);
        transA = shape.charAt(shape.length() - 2) == 't';
        transB = shape.charAt(shape.length() - 1) == 't';
        long aSize = roundUp((long) m * k);
        long bSize = roundUp((long) k * n);
        long total = aSize + bSize + (long) m * n;
        storage = backend.allocate(total);
        a = transA ? Tensor.of(storage, 0, k, m) : Tensor.of(storage, 0, m, k);
        b = transB ? Tensor.of(storage, aSize, n, k) : Tensor.of(storage, aSize, k, n);
        c = Tensor.of(storage, aSize + bSize, m, n);
        float[] values = new float[Math.toIntExact(aSize + bSize)];
        SplittableRandom rng = new SplittableRandom(1);
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (rng.nextDouble() - 0.5);
        }
        backend.upload(values, 0, Tensor.of(storage, 0, values.length));
    }

    private static long roundUp(long floats) {
        return (floats + 15) / 16 * 16;
    }

    /** Floating-point operations of one product: 2·m·n·k. */
    public double flops() {
        return 2.0 * m * n * k;
    }

    /** Overwrites C with op(A)·op(B) on {@code backend} (the one that allocated the operands). */
    public void vtrain(Backend backend) {
        backend.gemm(c, a, transA, b, transB, 1f, 0f);
    }

    /**
     * Overwrites C with op(A)·op(B) by OpenBLAS's {@code cblas_sgemm}, on the same memory.
     *
     * @throws IllegalStateException if OpenBLAS is not available (with {@link OpenBlas#problem()})
     */
    public void openblas() throws Throwable {
        String problem = OpenBlas.problem();
        if (problem != null) {
            throw new IllegalStateException(problem);
        }
        OpenBlas.sgemm(
                transA,
                transB,
                m,
                n,
                k,
                1f,
                a.segment().asSlice(a.byteOffset()),
                a.cols(),
                b.segment().asSlice(b.byteOffset()),
                b.cols(),
                0f,
                c.segment().asSlice(c.byteOffset()),
                n);
    }

    /** The result C (m × n), for checks. */
    public Tensor c() {
        return c;
    }

    @Override
    public void close() {
        storage.close();
    }
}
