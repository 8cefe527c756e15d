package dev.vtrain.bench.djl;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.vtrain.bench.StepWorkload;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * A training step in DJL with its PyTorch engine, for any block: softmax cross-entropy, Adam lr
 * 1e-3, a fixed random batch (inputs uniform in [0, 1), seeded labels). Each step runs in a
 * temporary NDManager so intermediate arrays are freed, as DJL's own {@code EasyTrain} does per
 * batch. The engine reads its thread counts from system properties, so they are set before the
 * block is built. Single-threaded use.
 */
abstract class DjlTraining implements StepWorkload {
    private final NDManager manager;
    private final Model model;
    private final Trainer trainer;
    private final NDArray x;
    private final NDArray y;
    private double lastLoss = Double.NaN;

    /** Trains {@code net} on inputs of {@code input} (batch first) into {@code classes} classes. */
    DjlTraining(String name, Supplier<Block> net, Shape input, int classes, int threads) {
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        System.setProperty("ai.djl.offline", "true");
        model = Model.newInstance(name, "PyTorch");
        model.setBlock(net.get());
        DefaultTrainingConfig config =
                new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                        .optOptimizer(
                                Optimizer.adam()
                                        .optLearningRateTracker(Tracker.fixed(1e-3f))
                                        .build());
        trainer = model.newTrainer(config);
        trainer.initialize(input);
        manager = model.getNDManager().newSubManager();
        int batch = Math.toIntExact(input.get(0));
        SplittableRandom rng = new SplittableRandom(0);
        float[] xs = new float[Math.toIntExact(input.size())];
        float[] ys = new float[batch];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = (float) rng.nextDouble();
        }
        for (int i = 0; i < ys.length; i++) {
            ys[i] = rng.nextInt(classes);
        }
        x = manager.create(xs, input);
        y = manager.create(ys, new Shape(batch)).toType(DataType.INT64, false);
    }

    @Override
    public void step() {
        try (NDManager scope = manager.newSubManager()) {
            x.tempAttach(scope);
            y.tempAttach(scope);
            try (GradientCollector gc = trainer.newGradientCollector()) {
                NDList pred = trainer.forward(new NDList(x));
                NDArray loss = trainer.getLoss().evaluate(new NDList(y), pred);
                gc.backward(loss);
                lastLoss = loss.getFloat();
            }
            trainer.step();
        }
    }

    @Override
    public double lastLoss() {
        return lastLoss;
    }

    @Override
    public void close() {
        trainer.close();
        manager.close();
        model.close();
    }
}
