package dev.vtrain.bench;

import dev.vtrain.backend.Backend;
import dev.vtrain.backend.Backends;
import dev.vtrain.nn.Layer;
import dev.vtrain.nn.Linear;
import dev.vtrain.nn.Model;
import dev.vtrain.nn.ReLU;
import dev.vtrain.nn.Sequential;
import dev.vtrain.nn.loss.CrossEntropyLoss;
import dev.vtrain.optim.Adam;
import dev.vtrain.train.Trainer;
import java.util.ArrayList;
import java.util.List;
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
 * One full training step (zero grad, forward, cross-entropy, backward, Adam) on a fixed random
 * batch, for the MLP shapes the project tracks. Reports microseconds per step.
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
    private Model model;
    private Adam adam;
    private Trainer trainer;
    private int batch;

    @Setup
    public void setUp() {
        String[] parts = shape.split("@", -1);
        String[] s = parts[0].split("-", -1);
        batch = Integer.parseInt(parts[1]);
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i + 1 < s.length; i++) {
            layers.add(new Linear(Integer.parseInt(s[i]), Integer.parseInt(s[i + 1])));
            if (i + 2 < s.length) {
                layers.add(new ReLU());
            }
        }
        be = Backends.create(backend, threads).backend();
        int in = Integer.parseInt(s[0]);
        model = Model.build(new Sequential(layers), in, batch, be, 0);
        adam = new Adam(model, 1e-3f);
        trainer = new Trainer(model, new CrossEntropyLoss(), adam);
        SplittableRandom rng = new SplittableRandom(0);
        float[] x = new float[batch * in];
        float[] y = new float[batch];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextDouble();
        }
        for (int i = 0; i < y.length; i++) {
            y[i] = rng.nextInt(Integer.parseInt(s[s.length - 1]));
        }
        be.upload(x, 0, trainer.input());
        be.upload(y, 0, trainer.target());
    }

    @Benchmark
    public void step() {
        trainer.step(batch, 1e-3f, false);
    }

    @TearDown
    public void tearDown() {
        trainer.close();
        adam.close();
        model.close();
        be.close();
    }
}
