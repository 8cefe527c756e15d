package dev.vtrain.bench;

import dev.vtrain.backend.Backend;
import dev.vtrain.backend.Backends;
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
 * One training step of the Fashion-MNIST conv net ({@link ConvStep#SPEC}, batch 128, Adam) in
 * vtrain ({@code impl=vtrain}) or in DJL's PyTorch engine ({@code impl=djl}, needs the jar built
 * with the {@code djl} profile). Milliseconds per step; 422 steps make an epoch of 54,000 images.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {
            "--add-modules",
            "jdk.incubator.vector",
            "--enable-native-access=ALL-UNNAMED"
        })
public class ConvStepBench {
    /** {@code vtrain} or {@code djl}. */
    @Param({"vtrain"})
    public String impl;

    @Param({"1", "2"})
    public int threads;

    @Param({"128"})
    public int batch;

    private Backend be;
    private StepWorkload step;

    @Setup
    public void setUp() throws ReflectiveOperationException {
        switch (impl) {
            case "vtrain" -> {
                be = Backends.create("cpu", threads).backend();
                step = new ConvStep(be, batch);
            }
            case "djl" ->
                    step =
                            StepWorkload.djl(
                                    "DjlConvStep",
                                    new Class<?>[] {int.class, int.class},
                                    batch,
                                    threads);
            default ->
                    throw new IllegalArgumentException(
                            "Expected impl vtrain or djl, got '" + impl + "'");
        }
    }

    @Benchmark
    public void step() {
        step.step();
    }

    @TearDown
    public void tearDown() {
        StepWorkload.finish(impl, step, be);
    }
}
