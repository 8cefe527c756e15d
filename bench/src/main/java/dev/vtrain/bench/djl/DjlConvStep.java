package dev.vtrain.bench.djl;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.vtrain.bench.StepWorkload;
import java.util.SplittableRandom;

/**
 * The conv-net step of {@code ConvStepBench} in DJL with its PyTorch engine: the same layers (conv
 * 3×3 pad 1 → batch norm → ReLU → max-pool 2, twice; flatten; 128; ReLU; 10), softmax
 * cross-entropy, Adam 1e-3, a fixed random (batch, 1, 28, 28) batch. Each step runs in a temporary
 * NDManager so intermediate arrays are freed, as DJL's {@code EasyTrain} does.
 */
public final class DjlConvStep implements StepWorkload {
    private final NDManager manager;
    private final Model model;
    private final Trainer trainer;
    private final NDArray x;
    private final NDArray y;
    private double lastLoss = Double.NaN;

    /** The step for {@code batch} images with PyTorch on {@code threads} intra-op threads. */
    public DjlConvStep(int batch, int threads) {
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        System.setProperty("ai.djl.offline", "true");
        SequentialBlock net = new SequentialBlock();
        for (int filters : new int[] {32, 64}) {
            net.add(
                    Conv2d.builder()
                            .setKernelShape(new Shape(3, 3))
                            .setFilters(filters)
                            .optPadding(new Shape(1, 1))
                            .build());
            net.add(BatchNorm.builder().build());
            net.add(Activation.reluBlock());
            net.add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)));
        }
        net.add(Blocks.batchFlattenBlock());
        net.add(Linear.builder().setUnits(128).build());
        net.add(Activation.reluBlock());
        net.add(Linear.builder().setUnits(10).build());
        model = Model.newInstance("cnn", "PyTorch");
        model.setBlock(net);
        DefaultTrainingConfig config =
                new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                        .optOptimizer(
                                Optimizer.adam()
                                        .optLearningRateTracker(Tracker.fixed(1e-3f))
                                        .build());
        trainer = model.newTrainer(config);
        trainer.initialize(new Shape(batch, 1, 28, 28));
        manager = model.getNDManager().newSubManager();
        SplittableRandom rng = new SplittableRandom(0);
        float[] xs = new float[batch * 784];
        float[] ys = new float[batch];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = (float) rng.nextDouble();
        }
        for (int i = 0; i < ys.length; i++) {
            ys[i] = rng.nextInt(10);
        }
        x = manager.create(xs, new Shape(batch, 1, 28, 28));
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
