package dev.vtrain.bench;

import dev.vtrain.backend.cpu.CpuBackend;
import dev.vtrain.backend.cpu.GemmStrategy;
import dev.vtrain.peer.GemmProblem;
import dev.vtrain.peer.OpenBlas;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * SGEMM, vtrain against OpenBLAS's {@code cblas_sgemm} (through FFM, same JVM, same off-heap
 * operands). Shapes are {@code m×n×k} with a transpose code: {@code nn} (x·W), {@code nt} (x·Wᵀ, a
 * Linear forward), {@code tn} (dYᵀ·x, a weight gradient). GFLOP/s = 2·m·n·k / time. The {@code
 * openblas} benchmark fails with a message when the library is absent.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {
            "--add-modules",
            "jdk.incubator.vector",
            "--enable-native-access=ALL-UNNAMED"
        })
public class GemmBench {
    @Param({
        "128x128x128nn",
        "256x256x256nn",
        "512x512x512nn",
        "1024x1024x1024nn",
        "2048x2048x2048nn",
        "32x128x784nt",
        "128x784x32tn",
        "32x784x128nn",
        "128x256x784nt",
        "256x784x128tn",
        "128x784x256nn"
    })
    public String shape;

    @Param({"1", "2"})
    public int threads;

    /** vtrain's GEMM strategy: a {@link GemmStrategy} name ({@code AUTO}, {@code PACKED}, ...). */
    @Param({"AUTO"})
    public String gemm;

    private CpuBackend backend;
    private GemmProblem problem;

    @Setup
    public void setUp() throws Throwable {
        backend = new CpuBackend(threads, GemmStrategy.valueOf(gemm));
        problem = new GemmProblem(backend, shape);
        if (OpenBlas.problem() == null) {
            OpenBlas.threads(threads);
        }
        if (!reported) {
            reported = true;
            String better = OpenBlas.betterCoreType(CpuBackend.vectorBits());
            System.out.println(
                    OpenBlas.problem() != null
                            ? "OpenBLAS: " + OpenBlas.problem()
                            : "OpenBLAS kernel: "
                                    + OpenBlas.coreName()
                                    + (better == null
                                            ? ""
                                            : " (a generic kernel: rerun with OPENBLAS_CORETYPE="
                                                    + better
                                                    + " for its best on this ISA)"));
        }
    }

    private static boolean reported;

    @Benchmark
    public void vtrain() {
        problem.vtrain(backend);
    }

    @Benchmark
    public void openblas() throws Throwable {
        problem.openblas();
    }

    @TearDown
    public void tearDown() {
        problem.close();
        backend.close();
    }
}
