package dev.vtrain.bench.djl;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.vtrain.bench.StepWorkload;
import java.util.SplittableRandom;

/**
 * The {@link StepWorkload} in DJL with its PyTorch engine: the same ReLU MLP, softmax
 * cross-entropy, Adam lr 1e-3 and fixed random batch as vtrain's {@code SyntheticStep}. Each step
 * runs in a temporary NDManager so intermediate arrays are freed, as DJL's own {@code EasyTrain}
 * does per batch. The engine reads its thread counts from system properties, so they are set before
 * the first DJL call.
 */
public final class DjlStep implements StepWorkload {
    private final NDManager manager;
    private final Model model;
    private final Trainer trainer;
    private final NDArray x;
    private final NDArray y;
    private double lastLoss = Double.NaN;

    /**
     * Builds {@code spec} ({@code sizes@batch}, e.g. {@code 784-256-128-10@128}) with PyTorch
     * running {@code threads} intra-op threads and 1 inter-op thread.
     */
    public DjlStep(String spec, int threads) {
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        System.setProperty("ai.djl.offline", "true");
        String[] parts = spec.split("@", -1);
        String[] s = parts[0].split("-", -1);
        int[] sizes = new int[s.length];
        for (int i = 0; i < s.length; i++) {
            sizes[i] = Integer.parseInt(s[i]);
        }
        int batch = Integer.parseInt(parts[1]);
        SequentialBlock net = new SequentialBlock();
        for (int i = 1; i < sizes.length; i++) {
            net.add(Linear.builder().setUnits(sizes[i]).build());
            if (i + 1 < sizes.length) {
                net.add(Activation.reluBlock());
            }
        }
        model = Model.newInstance("mlp", "PyTorch");
        model.setBlock(net);
        DefaultTrainingConfig config =
                new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                        .optOptimizer(
                                Optimizer.adam()
                                        .optLearningRateTracker(Tracker.fixed(1e-3f))
                                        .build());
        trainer = model.newTrainer(config);
        trainer.initialize(new Shape(batch, sizes[0]));
        manager = model.getNDManager().newSubManager();
        SplittableRandom rng = new SplittableRandom(0);
        float[] xs = new float[batch * sizes[0]];
        float[] ys = new float[batch];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = (float) rng.nextDouble();
        }
        for (int i = 0; i < ys.length; i++) {
            ys[i] = rng.nextInt(sizes[sizes.length - 1]);
        }
        x = manager.create(xs, new Shape(batch, sizes[0]));
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
