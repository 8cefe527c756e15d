package dev.vtrain.bench;

import dev.vtrain.backend.Backend;
import dev.vtrain.backend.Backends;
import dev.vtrain.train.SyntheticStep;
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
 * One full training step ({@link SyntheticStep}: forward, cross-entropy, backward, Adam) on a fixed
 * random batch, for the MLP shapes the project tracks. Reports microseconds per step.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {
            "--add-modules",
            "jdk.incubator.vector",
            "--enable-native-access=ALL-UNNAMED"
        })
public class TrainStepBench {
    /** {@code sizes@batch}: layer sizes separated by '-', then the batch size. */
    @Param({"784-128-10@32", "784-256-128-10@128", "784-1024-1024-10@256"})
    public String shape;

    @Param({"cpu"})
    public String backend;

    @Param({"1", "2"})
    public int threads;

    private Backend be;
    private SyntheticStep step;

    @Setup
    public void setUp() {
        be = Backends.create(backend, threads).backend();
        step = new SyntheticStep(shape, be);
    }

    @Benchmark
    public void step() {
        step.step();
    }

    @TearDown
    public void tearDown() {
        step.close();
        be.close();
    }
}
