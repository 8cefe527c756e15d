package dev.vtrain.train;

import dev.vtrain.backend.Backend;
import dev.vtrain.nn.Layer;
import dev.vtrain.nn.Linear;
import dev.vtrain.nn.Model;
import dev.vtrain.nn.ReLU;
import dev.vtrain.nn.Sequential;
import dev.vtrain.nn.loss.CrossEntropyLoss;
import dev.vtrain.optim.Adam;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A ReLU MLP with Adam (lr 1e-3) and cross-entropy on one fixed random batch, for timing full
 * training steps (forward, loss, backward, non-finite check, Adam) the same way everywhere: JMH's
 * {@code TrainStepBench}, {@code vtrain bench}, and comparisons with other frameworks. Inputs are
 * uniform in [0, 1), labels uniform over the classes, seed 0. Single-threaded like its {@link
 * Trainer}: step it from one thread at a time; a call while another thread is inside fails through
 * the model's guard.
 */
public final class SyntheticStep implements AutoCloseable {
    private final Model model;
    private final Adam adam;
    private final Trainer trainer;
    private final int batch;

    /**
     * Builds the workload {@code spec}, {@code sizes@batch} with sizes separated by '-' (e.g.
     * {@code 784-256-128-10@128}), on {@code backend} (which the caller keeps and closes).
     *
     * @throws IllegalArgumentException if the spec is malformed
     */
    public SyntheticStep(String spec, Backend backend) {
        String[] parts = spec.split("@", -1);
        String[] s = parts[0].split("-", -1);
        if (parts.length != 2 || s.length < 2) {
            throw new IllegalArgumentException(
                    "Expected a workload like 784-256-128-10@128 (layer sizes@batch), got '"
                            + spec
                            + "'");
        }
        int[] sizes = new int[s.length];
        try {
            for (int i = 0; i < s.length; i++) {
                sizes[i] = Integer.parseInt(s[i]);
            }
            batch = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "Expected integers in the workload '" + spec + "': " + e.getMessage(), e);
        }
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i + 1 < sizes.length; i++) {
            layers.add(new Linear(sizes[i], sizes[i + 1]));
            if (i + 2 < sizes.length) {
                layers.add(new ReLU());
            }
        }
        model = Model.build(new Sequential(layers), sizes[0], batch, backend, 0);
        adam = new Adam(model, 1e-3f);
        trainer = new Trainer(model, new CrossEntropyLoss(), adam);
        SplittableRandom rng = new SplittableRandom(0);
        float[] x = new float[batch * sizes[0]];
        float[] y = new float[batch];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextDouble();
        }
        for (int i = 0; i < y.length; i++) {
            y[i] = rng.nextInt(sizes[sizes.length - 1]);
        }
        backend.upload(x, 0, trainer.input());
        backend.upload(y, 0, trainer.target());
    }

    /** One full training step on the batch. */
    public void step() {
        trainer.step(batch, 1e-3f, false);
    }

    /** The loss of the last step. */
    public double lastLoss() {
        return trainer.lastLoss();
    }

    /** Floating-point operations of the step's matrix products (forward and backward). */
    public long gemmFlops() {
        long flops = 0;
        boolean first = true;
        for (var p : model.parameters()) {
            if (p.shape().length == 2) {
                // forward, weight gradient, and (above the first layer) input gradient
                flops += (first ? 4L : 6L) * batch * p.size();
                first = false;
            }
        }
        return flops;
    }

    @Override
    public void close() {
        trainer.close();
        adam.close();
        model.close();
    }
}
