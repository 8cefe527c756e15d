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
 * One full training step (forward, cross-entropy, backward, Adam) on a fixed random batch, for the
 * MLP shapes the project tracks. Reports microseconds per step. {@code impl=vtrain} runs {@link
 * SyntheticStep}; {@code impl=djl} runs the same step in DJL's PyTorch engine and needs the jar
 * built with the {@code djl} profile ({@code mvn -Pdjl -pl bench -am package}), so both can be
 * timed side by side in one run: {@code -p impl=vtrain,djl}.
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

    /** {@code vtrain} or {@code djl}. */
    @Param({"vtrain"})
    public String impl;

    /**
     * vtrain's backend (ignored for DJL): {@code cpu}, {@code scalar}, or {@code cuda} on a machine
     * with a GPU ({@code -p backend=cuda -p threads=1}; the step then includes one loss read-back).
     */
    @Param({"cpu"})
    public String backend;

    @Param({"1", "2"})
    public int threads;

    private Backend be;
    private StepWorkload step;

    @Setup
    public void setUp() throws ReflectiveOperationException {
        switch (impl) {
            case "vtrain" -> {
                be = Backends.create(backend, threads).backend();
                SyntheticStep s = new SyntheticStep(shape, be);
                step =
                        new StepWorkload() {
                            @Override
                            public void step() {
                                s.step();
                            }

                            @Override
                            public double lastLoss() {
                                return s.lastLoss();
                            }

                            @Override
                            public void close() {
                                s.close();
                            }
                        };
            }
            case "djl" ->
                    step =
                            StepWorkload.djl(
                                    "DjlStep",
                                    new Class<?>[] {String.class, int.class},
                                    shape,
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
