package dev.vtrain.bench;

import dev.vtrain.backend.cpu.CpuBackend;
import dev.vtrain.backend.cpu.GemmStrategy;
import dev.vtrain.peer.OpenBlas;
import dev.vtrain.tensor.Storage;
import dev.vtrain.tensor.Tensor;
import java.util.SplittableRandom;
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

    /** vtrain's GEMM strategy: {@code AUTO}, {@code PACKED} or {@code UNPACKED}. */
    @Param({"AUTO"})
    public String gemm;

    private CpuBackend backend;
    private Storage storage;
    private Tensor a;
    private Tensor b;
    private Tensor c;
    private boolean ta;
    private boolean tb;
    private int m;
    private int n;
    private int k;

    @Setup
    public void setUp() throws Throwable {
        String[] dims = shape.substring(0, shape.length() - 2).split("x", -1);
        m = Integer.parseInt(dims[0]);
        n = Integer.parseInt(dims[1]);
        k = Integer.parseInt(dims[2]);
        ta = shape.charAt(shape.length() - 2) == 't';
        tb = shape.charAt(shape.length() - 1) == 't';
        backend = new CpuBackend(threads, GemmStrategy.valueOf(gemm));
        long total = (long) m * k + (long) k * n + (long) m * n + 64;
        storage = backend.allocate(total);
        a = ta ? Tensor.of(storage, 0, k, m) : Tensor.of(storage, 0, m, k);
        long off = ((long) m * k + 15) / 16 * 16;
        b = tb ? Tensor.of(storage, off, n, k) : Tensor.of(storage, off, k, n);
        off += ((long) k * n + 15) / 16 * 16;
        c = Tensor.of(storage, off, m, n);
        float[] values = new float[(int) total];
        SplittableRandom rng = new SplittableRandom(1);
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (rng.nextDouble() - 0.5);
        }
        backend.upload(values, 0, Tensor.of(storage, 0, (int) total));
        if (OpenBlas.problem() == null) {
            OpenBlas.threads(threads);
        }
    }

    @Benchmark
    public void vtrain() {
        backend.gemm(c, a, ta, b, tb, 1f, 0f);
    }

    @Benchmark
    public void openblas() throws Throwable {
        if (OpenBlas.problem() != null) {
            throw new IllegalStateException(OpenBlas.problem());
        }
        OpenBlas.sgemm(
                ta,
                tb,
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

    @TearDown
    public void tearDown() {
        storage.close();
        backend.close();
    }
}
