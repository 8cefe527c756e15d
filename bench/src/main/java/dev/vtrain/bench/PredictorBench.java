package dev.vtrain.bench;

import dev.vtrain.backend.cpu.CpuBackend;
import dev.vtrain.nn.Model;
import dev.vtrain.nn.loss.CrossEntropyLoss;
import dev.vtrain.nn.spec.Layers;
import dev.vtrain.optim.Adam;
import dev.vtrain.serve.Predictor;
import dev.vtrain.serve.WeightSnapshots;
import dev.vtrain.tensor.Shape;
import dev.vtrain.train.Trainer;
import java.util.List;
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
 * One prediction of one sample through a {@link Predictor} (probabilities of a 32-256-128-8 MLP,
 * the example service's model), in microseconds. {@code fresh=false}: no new snapshot, the steady
 * case. {@code fresh=true}: a snapshot is published before every call, so each call also copies the
 * weights in; the publication (one copy out of the training model) is timed as well, so this is an
 * upper bound for a call that finds a new snapshot.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class PredictorBench {
    @Param({"false", "true"})
    public boolean fresh;

    private CpuBackend backend;
    private Model model;
    private Adam adam;
    private Trainer trainer;
    private WeightSnapshots snapshots;
    private Predictor predictor;
    private final float[] sample = new float[32];
    private final float[] out = new float[8];

    @Setup
    public void setUp() {
        backend = new CpuBackend(1);
        Shape in = Shape.of(32);
        model =
                Model.build(
                        Layers.fromSpec("linear(256),relu,linear(128),relu,linear(8)", in),
                        in,
                        32,
                        backend,
                        0);
        adam = new Adam(model, 1e-3f);
        trainer = new Trainer(model, new CrossEntropyLoss(), adam);
        snapshots = WeightSnapshots.of(model, List.of("a", "b", "c", "d", "e", "f", "g", "h"));
        predictor = snapshots.predictor(1, Predictor.Output.PROBABILITIES);
        for (int i = 0; i < sample.length; i++) {
            sample[i] = (float) Math.sin(i);
        }
    }

    @Benchmark
    public float predict() {
        if (fresh) {
            snapshots.publish();
        }
        predictor.predict(sample, out);
        return out[0];
    }

    @TearDown
    public void tearDown() {
        predictor.close();
        trainer.close();
        adam.close();
        model.close();
        backend.close();
    }
}
