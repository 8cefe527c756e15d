package dev.vtrain.backend;

import dev.vtrain.backend.cpu.CpuBackend;
import dev.vtrain.backend.scalar.ScalarBackend;
import dev.vtrain.tensor.Storage;
import dev.vtrain.tensor.Tensor;
import java.lang.management.ManagementFactory;

/**
 * Checks at run time that the Vector API kernels are intrinsified on this JVM: runs the CPU
 * backend's packed (96³) and unpacked (40³) SGEMM on one thread until the JIT has compiled them,
 * then requires that a window of calls allocates nothing (a JIT fallback boxes every vector) and
 * beats the scalar reference. Takes up to the given budget (about 0.3–1 s when all is well).
 */
public final class VectorProbe {
    /**
     * The outcome: whether the kernels ran at SIMD speed, the measured GFLOP/s of the vector and
     * scalar kernels, the bytes allocated per vector call in the last window, and a one-line
     * summary.
     */
    public record Result(
            boolean intrinsified,
            double vectorGflops,
            double scalarGflops,
            long bytesPerCall,
            String summary) {}

    private static final int BIG = 96;
    private static final int SMALL = 40;

    private VectorProbe() {}

    /**
     * Runs the probe for at most {@code budgetNanos}. Needs the Vector API module; returns a failed
     * result naming the problem when {@link Backends#vectorApiProblem()} reports one.
     */
    public static Result run(long budgetNanos) {
        String problem = Backends.vectorApiProblem();
        if (problem != null) {
            return new Result(false, 0, 0, 0, "not run: " + problem);
        }
        var bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        try (Backend cpu = new CpuBackend(1);
                Backend scalar = new ScalarBackend();
                Storage s = cpu.allocate(4L * BIG * BIG);
                Storage r = scalar.allocate(3L * BIG * BIG)) {
            Tensor a = Tensor.of(s, 0, BIG, BIG);
            Tensor b = Tensor.of(s, (long) BIG * BIG, BIG, BIG);
            Tensor c = Tensor.of(s, 2L * BIG * BIG, BIG, BIG);
            Tensor a2 = Tensor.of(s, 3L * BIG * BIG, SMALL, SMALL);
            Tensor b2 = Tensor.of(s, 3L * BIG * BIG + SMALL * SMALL, SMALL, SMALL);
            Tensor c2 = Tensor.of(s, 3L * BIG * BIG + 2 * SMALL * SMALL, SMALL, SMALL);
            float[] values = new float[BIG * BIG];
            for (int i = 0; i < values.length; i++) {
                values[i] = (i % 17 - 8) / 8f;
            }
            for (Tensor t : new Tensor[] {a, b}) {
                cpu.upload(values, 0, t);
            }
            cpu.upload(values, 0, a2);
            cpu.upload(values, 0, b2);
            Tensor ra = Tensor.of(r, 0, BIG, BIG);
            Tensor rb = Tensor.of(r, (long) BIG * BIG, BIG, BIG);
            Tensor rc = Tensor.of(r, 2L * BIG * BIG, BIG, BIG);
            scalar.upload(values, 0, ra);
            scalar.upload(values, 0, rb);
            double flops = 2.0 * BIG * BIG * BIG + 2.0 * SMALL * SMALL * SMALL;
            long t0 = System.nanoTime();
            int scalarCalls = 0;
            while (scalarCalls < 3 || System.nanoTime() - t0 < budgetNanos / 20) {
                scalar.gemm(rc, ra, false, rb, true, 1f, 0f);
                scalarCalls++;
            }
            double scalarGflops = scalarCalls * 2.0 * BIG * BIG * BIG / (System.nanoTime() - t0);
            long start = System.nanoTime();
            double gflops = 0;
            long bytes = -1;
            int window = 50;
            while (System.nanoTime() - start < budgetNanos) {
                long before = bean.getThreadAllocatedBytes(tid);
                long w0 = System.nanoTime();
                for (int i = 0; i < window; i++) {
                    cpu.gemm(c, a, false, b, true, 1f, 0f);
                    cpu.gemm(c2, a2, false, b2, false, 1f, 0f);
                }
                gflops = window * flops / (System.nanoTime() - w0);
                bytes = (bean.getThreadAllocatedBytes(tid) - before) / window;
                if (bytes == 0 && gflops > 4 * scalarGflops) {
                    break;
                }
            }
            boolean ok = bytes == 0 && gflops > 2 * scalarGflops;
            String summary =
                    String.format(
                            java.util.Locale.ROOT,
                            "%s: SGEMM %.1f GFLOP/s vs scalar %.2f, %d bytes allocated per call",
                            ok ? "intrinsified" : "NOT intrinsified",
                            gflops,
                            scalarGflops,
                            bytes);
            return new Result(ok, gflops, scalarGflops, bytes, summary);
        }
    }
}
