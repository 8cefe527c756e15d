package dev.vtrain.nn;

import dev.vtrain.backend.DropoutHash;
import dev.vtrain.tensor.Shape;
import dev.vtrain.tensor.SlabPlan;
import dev.vtrain.tensor.Tensor;
import java.util.Map;

/**
 * Inverted dropout as PyTorch's {@code nn.Dropout(p)}, on any shape: in training, each element is
 * zeroed with probability p and the survivors are scaled by 1 / (1 - p), so the expectation is
 * unchanged; in evaluation it is the identity. Masks come from {@link DropoutHash} keyed by the
 * layer's seed and a counter of training forwards ({@link RandomCounter}), so a run is reproducible
 * from its seed and the counter is all the state a checkpoint needs. Build and run it on the thread
 * that owns its model (see {@link Model}); {@link #declare} stores per-model state, so an instance
 * belongs to at most one model.
 */
public final class Dropout implements Layer {
    private final float p;
    private SlabPlan.Slot mask;
    private RandomCounter draws;
    private long seed;
    private boolean lastWasTraining;

    /**
     * Dropout with probability {@code p}.
     *
     * @throws IllegalArgumentException unless 0 ≤ p ≤ 1
     */
    public Dropout(float p) {
        if (!(p >= 0f && p <= 1f)) {
            throw new IllegalArgumentException(
                    "dropout probability has to be between 0 and 1, but got " + p);
        }
        this.p = p;
    }

    /** The drop probability. */
    public float p() {
        return p;
    }

    @Override
    public Shape outputShape(Shape input) {
        return input;
    }

    @Override
    public void declare(Plan plan, Shape input) {
        mask = plan.activation("dropout_mask", input);
        draws = plan.counter("dropout");
        seed = plan.seed();
    }

    @Override
    public void forward(Step step, Tensor x, Tensor y) {
        lastWasTraining = step.training() && p > 0f;
        if (!lastWasTraining) {
            step.backend().copy(x, y);
            return;
        }
        Tensor m = step.get(mask);
        step.backend().dropoutMask(m, p, DropoutHash.key(seed, draws.next()));
        step.backend().multiply(x, m, y);
    }

    @Override
    public void backward(Step step, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        if (dx == null) {
            return;
        }
        if (!lastWasTraining) {
            step.backend().copy(dy, dx);
            return;
        }
        step.backend().multiply(dy, step.get(mask), dx);
    }

    @Override
    public LayerSpec spec() {
        return LayerSpec.of("dropout", Map.of("p", (double) p));
    }

    @Override
    public String toString() {
        return "Dropout(p=" + p + ")";
    }
}
