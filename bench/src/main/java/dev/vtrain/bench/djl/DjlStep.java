package dev.vtrain.bench.djl;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;

/**
 * The {@link dev.vtrain.bench.StepWorkload} in DJL with its PyTorch engine: the same ReLU MLP,
 * softmax cross-entropy, Adam lr 1e-3 and fixed random batch as vtrain's {@code SyntheticStep}.
 */
public final class DjlStep extends DjlTraining {
    /**
     * Builds {@code spec} ({@code sizes@batch}, e.g. {@code 784-256-128-10@128}) with PyTorch
     * running {@code threads} intra-op threads and 1 inter-op thread.
     */
    public DjlStep(String spec, int threads) {
        String[] parts = spec.split("@", -1);
        String[] s = parts[0].split("-", -1);
        int[] sizes = new int[s.length];
        for (int i = 0; i < s.length; i++) {
            sizes[i] = Integer.parseInt(s[i]);
        }
        int batch = Integer.parseInt(parts[1]);
        super(
                "mlp",
                () -> mlp(sizes),
                new Shape(batch, sizes[0]),
                sizes[sizes.length - 1],
                threads);
    }

    private static Block mlp(int[] sizes) {
        SequentialBlock net = new SequentialBlock();
        for (int i = 1; i < sizes.length; i++) {
            net.add(Linear.builder().setUnits(sizes[i]).build());
            if (i + 1 < sizes.length) {
                net.add(Activation.reluBlock());
            }
        }
        return net;
    }
}
