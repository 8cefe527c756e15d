package dev.vtrain.bench.djl;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;

/**
 * The conv-net step of {@code ConvStepBench} in DJL with its PyTorch engine: the same layers (conv
 * 3×3 pad 1 → batch norm → ReLU → max-pool 2, twice; flatten; 128; ReLU; 10), softmax
 * cross-entropy, Adam 1e-3, a fixed random (batch, 1, 28, 28) batch.
 */
public final class DjlConvStep extends DjlTraining {
    /** The step for {@code batch} images with PyTorch on {@code threads} intra-op threads. */
    public DjlConvStep(int batch, int threads) {
        super("cnn", DjlConvStep::net, new Shape(batch, 1, 28, 28), 10, threads);
    }

    private static Block net() {
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
        return net;
    }
}
